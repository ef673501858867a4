# METADATA
# title: EKS clusters send API, audit and authenticator logs to CloudWatch
# description: >-
#   Control plane logging is off by default. Without the api, audit and authenticator logs
#   there is no record of who changed what in the cluster or which IAM identity authenticated.
# custom:
#   id: PG-AWS-EKS-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_eks_cluster]
#     cloudformation: ["AWS::EKS::Cluster"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Set enabled_cluster_log_types to include api, audit and authenticator (CloudFormation:
#     Logging.ClusterLogging.EnabledTypes), and set a retention on the /aws/eks/<cluster>/cluster
#     log group.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.aws.eks.control_plane_logging

import data.policyguard.lib
import rego.v1

required := {"api", "audit", "authenticator"}

all_types := ["api", "audit", "authenticator", "controllerManager", "scheduler"]

# the Terraform fix appends only the missing types, keeping what is already enabled

fail contains result if {
	input.resource.platform == "terraform"
	# a plan writes an unset list as null: nothing is enabled (lib.arr), which fails closed
	types := object.get(input.resource.attributes, "enabled_cluster_log_types", [])
	not lib.is_unknown(types)
	not has_unknown_item(types)
	missing := required - {t | some t in lib.arr(types)}
	count(missing) > 0
	result := {
		"msg": sprintf("%s: control plane log types %s are not enabled", [input.resource.id, concat(", ", sort(missing))]),
		"path": "enabled_cluster_log_types",
		"fix": {"description": "Enable the missing control plane log types", "ops": [{"op": "add", "path": "enabled_cluster_log_types", "value": t} | some t in sort(missing)]},
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	entries := object.get(input.resource.attributes, ["Logging", "ClusterLogging", "EnabledTypes"], [])
	not lib.is_unknown(entries)
	not has_unknown_item(entries)
	missing := required - {lib.get(e, "Type", null) | some e in lib.arr(entries)}
	count(missing) > 0
	result := {
		"msg": sprintf("%s: control plane log types %s are not enabled", [input.resource.id, concat(", ", sort(missing))]),
		"path": cfn_path,
		"fix": {"description": "Enable every control plane log type", "ops": [{"op": "set", "path": "Logging", "value": {"ClusterLogging": {"EnabledTypes": [{"Type": t} | some t in all_types]}}}]},
	}
}

# unresolved lists are reported on their path: the engine turns them into unknown
fail contains result if {
	some path in ["enabled_cluster_log_types"]
	lib.is_unknown(input.resource.attributes[path])
	result := {"msg": sprintf("%s: enabled log types are not resolved", [input.resource.id]), "path": path}
}

# so is a list with an unresolved item (it may be a missing type): reported on that item
fail contains result if {
	some path in ["enabled_cluster_log_types", "Logging.ClusterLogging.EnabledTypes"]
	items := object.get(input.resource.attributes, split(path, "."), [])
	some i, item in lib.arr(items)
	unknown_item(item)
	result := {"msg": sprintf("%s: enabled log types are not resolved", [input.resource.id]), "path": item_path(path, i, item)}
}

has_unknown_item(items) if {
	some item in lib.arr(items)
	unknown_item(item)
}

unknown_item(item) if lib.is_unknown(item)

unknown_item(item) if lib.is_unknown(lib.get(item, "Type", null))

item_path(path, i, item) := sprintf("%s[%d]", [path, i]) if lib.is_unknown(item)

item_path(path, i, item) := sprintf("%s[%d].Type", [path, i]) if not lib.is_unknown(item)

cfn_path := "Logging.ClusterLogging.EnabledTypes" if {
	_ = input.resource.attributes.Logging.ClusterLogging
} else := "Logging"
