# METADATA
# title: EMR security configurations encrypt data at rest
# description: >-
#   Without EnableAtRestEncryption an EMR cluster writes EMRFS data to S3 and HDFS/spill
#   data to local disks without the cluster's encryption settings: intermediate and result
#   data sit unencrypted on instance volumes.
# custom:
#   id: PG-AWS-EMR-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_emr_security_configuration]
#     cloudformation: ["AWS::EMR::SecurityConfiguration"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set EncryptionConfiguration.EnableAtRestEncryption = true with S3 and local-disk
#     encryption configurations.
#   fixable: false
package policyguard.rules.aws.emr.at_rest_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	c := conf
	not lib.truthy(object.get(enc, "EnableAtRestEncryption", null))
	result := {"msg": sprintf("%s: data at rest is not encrypted (EnableAtRestEncryption is %s)", [input.resource.id, shown(object.get(enc, "EnableAtRestEncryption", null))]), "path": enc_path}
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
