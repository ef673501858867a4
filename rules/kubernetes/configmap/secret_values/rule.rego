# METADATA
# title: ConfigMaps do not hold credentials
# description: >-
#   ConfigMaps are not secrets: no encryption at rest, readable by roles granted configmaps access
#   (often broad, including system controllers), shown by kubectl describe and committed to Git in
#   clear. Keys named like password, token, secret, api key or private key with a value belong in
#   a Secret or an external secret store.
# custom:
#   id: PG-K8S-CM-001
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     kubernetes: [v1/ConfigMap]
#   frameworks:
#     nsa-k8s: ["Secrets"]
#     cis-kubernetes: ["5.4.2"]
#     nist-800-53: ["SC-28", "IA-5"]
#   remediation: Move the value into a Secret (or an external secret manager) and reference it from the workload.
#   fixable: false
package policyguard.rules.kubernetes.configmap.secret_values

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# key names that say "credential", as whole words of the key (db_password, API-KEY, client.secret)
pattern := `(?i)(^|[_.\-])(password|passwd|pwd|secret|token|api[_\-]?key|apikey|private[_\-]?key|access[_\-]?key|client[_\-]?secret|credentials?)($|[_.\-])`

# values that are settings rather than credentials
benign(v) if lower(v) in {"true", "false", "yes", "no", "none", "null", "changeme", ""}

benign(v) if startswith(v, "/")

benign(v) if regex.match(`^[0-9]+[smhd]?$`, v)

benign(v) if contains(v, "${")

fail contains result if {
	some key, value in obj(object.get(input.resource.attributes, "data", {}))
	is_string(key)
	regex.match(pattern, key)
	is_string(value)
	not benign(trim_space(value))
	result := {
		"msg": sprintf("ConfigMap key \"%v\" holds what looks like a credential", [key]),
		"path": sprintf("data[%q]", [key]),
	}
}
