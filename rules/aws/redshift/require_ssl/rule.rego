# METADATA
# title: Redshift parameter groups require SSL connections
# description: >-
#   The require_ssl parameter decides whether a Redshift cluster refuses unencrypted client
#   connections. It is false in the default parameter group and in any group that does not set
#   it, so credentials and query results may cross the network in clear text.
# custom:
#   id: PG-AWS-REDSHIFT-004
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_redshift_parameter_group]
#     cloudformation: ["AWS::Redshift::ClusterParameterGroup"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Add parameter { name = "require_ssl" value = "true" } (CloudFormation: Parameters entry
#     ParameterName require_ssl, ParameterValue "true"); clients must then connect with TLS.
#   fixable: false
package policyguard.rules.aws.redshift.require_ssl

import data.policyguard.lib
import rego.v1

# (name key, value key, attribute) per platform
keys := ["name", "value", "parameter"] if input.resource.platform == "terraform"

keys := ["ParameterName", "ParameterValue", "Parameters"] if input.resource.platform == "cloudformation"

entries := [[i, p] |
	some i, p in lib.arr(object.get(lib.obj(input.resource.attributes), keys[2], null))
	lower(lib.str(object.get(lib.obj(p), keys[0], null))) == "require_ssl"
]

fail contains result if {
	count(entries) == 0
	result := {
		"msg": sprintf("%s: require_ssl is not set, so it stays false", [input.resource.id]),
		"path": keys[2],
	}
}

fail contains result if {
	some e in entries
	v := object.get(lib.obj(e[1]), keys[1], null)
	not lib.is_unknown(v)
	not lower(sprintf("%v", [v])) in {"true", "1", "on"}
	result := {
		"msg": sprintf("%s: require_ssl is %v", [input.resource.id, v]),
		"path": sprintf("%s[%d].%s", [keys[2], e[0], keys[1]]),
	}
}

unknown contains result if {
	some e in entries
	v := object.get(lib.obj(e[1]), keys[1], null)
	lib.is_unknown(v)
	result := {
		"msg": sprintf("%s: require_ssl comes from a value that is not known", [input.resource.id]),
		"path": sprintf("%s[%d].%s", [keys[2], e[0], keys[1]]),
		"expr": sprintf("%v", [object.get(v, "__unknown__", "")]),
	}
}
