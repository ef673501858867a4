# METADATA
# title: Containers disallow privilege escalation
# description: >-
#   Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent
#   (setuid binaries, file capabilities). The Pod Security Standards restricted profile requires
#   it to be set to false on every container; Windows pods (spec.os.name windows) are exempt.
# custom:
#   id: PG-K8S-POD-015
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-restricted: [Privilege Escalation]
#     cis-kubernetes: ["5.2.6"]
#     nist-800-53: [AC-6]
#   remediation: Set securityContext.allowPrivilegeEscalation to false on every container.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.privilege_escalation

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

windows if input.resource.pod_spec.os.name == "windows"

fail contains result if {
	not windows
	some c in k8s_pod.containers
	value := object.get(obj(c.container), ["securityContext", "allowPrivilegeEscalation"], "unset")
	value != false
	path := sprintf("%s.securityContext.allowPrivilegeEscalation", [c.path])
	result := {
		"msg": sprintf("container \"%v\" does not set allowPrivilegeEscalation to false (found: %v)", [object.get(obj(c.container), "name", "<unnamed>"), value]),
		"path": path,
		"fix": {"description": "Set allowPrivilegeEscalation to false", "ops": [{"op": "set", "path": path, "value": false}]},
	}
}
