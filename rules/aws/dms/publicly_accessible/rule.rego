# METADATA
# title: DMS replication instances are not publicly accessible
# description: >-
#   A publicly accessible replication instance gets a public IP address; it holds
#   credentials for and connections to both the source and the target database. The
#   Terraform provider defaults to private, the DMS API and CloudFormation to public
#   (PubliclyAccessible defaults to true).
# custom:
#   id: PG-AWS-DMS-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_dms_replication_instance]
#     cloudformation: ["AWS::DMS::ReplicationInstance"]
#   frameworks:
#     nist-800-53: ["AC-3", "SC-7"]
#     pci-dss-4.0: ["1.4.1"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set publicly_accessible = false (CloudFormation: PubliclyAccessible: false) and
#     place the instance in private subnets.
#   fixable: false
package policyguard.rules.aws.dms.publicly_accessible

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_dms_replication_instance"
	lib.truthy(lib.attr("publicly_accessible"))
	result := {"msg": sprintf("%s: the replication instance is publicly accessible", [input.resource.id]), "path": "publicly_accessible"}
}

fail contains result if {
	input.resource.type == "AWS::DMS::ReplicationInstance"
	v := lib.attr("PubliclyAccessible")
	not private(v)
	not lib.is_unknown(v)
	result := {"msg": sprintf("%s: the replication instance is publicly accessible (%s)", [input.resource.id, shown(v)]), "path": "PubliclyAccessible"}
}

fail contains result if {
	lib.is_unknown(lib.attr("PubliclyAccessible"))
	result := {"msg": sprintf("%s: whether the replication instance is public is not resolved", [input.resource.id]), "path": "PubliclyAccessible"}
}

# explicitly false; absent (null) is CloudFormation's public default
private(v) if {
	v != null
	lib.falsy(v)
}

shown(v) := "not set: CloudFormation's default is public" if v == null

shown(v) := sprintf("found %s", [json.marshal(v)]) if v != null
