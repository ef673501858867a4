# METADATA
# title: Ingresses terminate TLS for every host
# description: >-
#   An Ingress without a tls section serves its hosts over plain HTTP; credentials and session
#   cookies cross the network in clear text. When tls lists hosts, every rule host must be
#   covered by one of them.
# custom:
#   id: PG-K8S-INGRESS-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [networking.k8s.io/v1/Ingress]
#   frameworks:
#     nsa-k8s: ["Encryption"]
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Add spec.tls with the hosts and a certificate secret (e.g. issued by cert-manager).
#   fixable: false
package policyguard.rules.kubernetes.ingress.tls

import rego.v1

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

spec := input.resource.attributes.spec

fail contains result if {
	count(arr(object.get(obj(spec), "tls", []))) == 0
	result := {
		"msg": sprintf("Ingress \"%v\" has no tls section: its hosts are served over plain HTTP", [input.resource.attributes.metadata.name]),
		"path": "spec",
	}
}

covered(host) if {
	some t in arr(spec.tls)
	host in arr(object.get(obj(t), "hosts", []))
}

# a tls entry without hosts applies to the controller's default certificate for every host
covered(_) if {
	some t in arr(spec.tls)
	count(arr(object.get(obj(t), "hosts", []))) == 0
}

fail contains result if {
	count(arr(object.get(obj(spec), "tls", []))) > 0
	some i, r in arr(spec.rules)
	host := r.host
	not covered(host)
	result := {
		"msg": sprintf("Ingress \"%v\" host \"%v\" is not listed in any tls entry", [input.resource.attributes.metadata.name, host]),
		"path": sprintf("spec.rules[%d].host", [i]),
	}
}
