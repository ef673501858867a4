# METADATA
# title: EMR security configurations encrypt data in transit
# description: >-
#   Without EnableInTransitEncryption the cluster's nodes exchange shuffle data, HDFS blocks
#   and application traffic in clear text inside the VPC.
# custom:
#   id: PG-AWS-EMR-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_emr_security_configuration]
#     cloudformation: ["AWS::EMR::SecurityConfiguration"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set EncryptionConfiguration.EnableInTransitEncryption = true with a TLS certificate
#     configuration.
#   fixable: false
package policyguard.rules.aws.emr.in_transit_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	c := conf
	not lib.truthy(object.get(enc, "EnableInTransitEncryption", null))
	result := {"msg": sprintf("%s: data in transit is not encrypted (EnableInTransitEncryption is %s)", [input.resource.id, shown(object.get(enc, "EnableInTransitEncryption", null))]), "path": enc_path}
}

# the security configuration document: a JSON string in Terraform, an object in CloudFormation
conf := {"doc": json.unmarshal(c), "path": "configuration"} if {
	input.resource.type == "aws_emr_security_configuration"
	c := lib.attr("configuration")
	is_string(c)
	json.is_valid(c)
}

conf := {"doc": c, "path": "SecurityConfiguration"} if {
	input.resource.type == "AWS::EMR::SecurityConfiguration"
	c := lib.attr("SecurityConfiguration")
	is_object(c)
	not lib.is_unknown(c)
}

enc := lib.obj(object.get(lib.obj(conf.doc), "EncryptionConfiguration", null))

enc_path := "configuration" if conf.path == "configuration"

enc_path := "SecurityConfiguration.EncryptionConfiguration" if conf.path == "SecurityConfiguration"

fail contains result if {
	some key in ["configuration", "SecurityConfiguration"]
	lib.is_unknown(lib.attr(key))
	result := {"msg": sprintf("%s: the security configuration is not resolved", [input.resource.id]), "path": key}
}

shown(v) := "not set" if v == null

shown(v) := sprintf("found %s", [json.marshal(v)]) if v != null
