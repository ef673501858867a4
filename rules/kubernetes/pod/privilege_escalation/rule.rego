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

# A privileged container, or one that adds SYS_ADMIN, can escalate whatever this field says, and
# the apiserver rejects allowPrivilegeEscalation: false beside either (a Pod patched that way
# would be refused by validation, not judged): such a result carries no fix; PG-K8S-POD-004 and
# PG-K8S-POD-005 fix the cause.
escalates_anyway(container) if obj(obj(container).securityContext).privileged == true

escalates_anyway(container) if {
	adds := object.get(obj(container), ["securityContext", "capabilities", "add"], [])
	is_array(adds)
	some cap in adds
	is_string(cap)
	trim_prefix(upper(cap), "CAP_") == "SYS_ADMIN"
}

failing contains [c, value, path] if {
	not windows
	some c in k8s_pod.containers
	value := object.get(obj(c.container), ["securityContext", "allowPrivilegeEscalation"], "unset")
	value != false
	path := sprintf("%s.securityContext.allowPrivilegeEscalation", [c.path])
}

message(c, value) := sprintf("container \"%v\" does not set allowPrivilegeEscalation to false (found: %v)", [object.get(obj(c.container), "name", "<unnamed>"), value])

fail contains result if {
	some [c, value, path] in failing
	not escalates_anyway(c.container)
	result := {
		"msg": message(c, value),
		"path": path,
		"fix": {"description": "Set allowPrivilegeEscalation to false", "ops": [{"op": "set", "path": path, "value": false}]},
	}
}

fail contains result if {
	some [c, value, path] in failing
	escalates_anyway(c.container)
	result := {
		"msg": sprintf("%s; it is privileged or adds SYS_ADMIN, so it can escalate regardless (no fix: remove those first)", [message(c, value)]),
		"path": path,
	}
}
