# METADATA
# title: Ingresses do not set the nginx server-snippet annotation
# description: >-
#   The nginx.ingress.kubernetes.io/server-snippet annotation injects raw NGINX configuration into
#   the controller's server block. The controller runs with a service account that reads every
#   Secret of the cluster, so whoever writes an Ingress can read them all (CVE-2021-25742) or
#   rewrite routing for other hosts.
# custom:
#   id: PG-K8S-INGRESS-004
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [networking.k8s.io/v1/Ingress]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     nist-800-53: ["AC-6", "CM-7"]
#   remediation: Remove the annotation and keep allow-snippet-annotations disabled in the ingress-nginx controller.
#   fixable: false
package policyguard.rules.kubernetes.ingress.server_snippet

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	md := obj(object.get(input.resource.attributes, "metadata", {}))
	value := object.get(obj(object.get(md, "annotations", {})), "nginx.ingress.kubernetes.io/server-snippet", null)
	value != null
	result := {
		"msg": "Ingress injects raw NGINX configuration through nginx.ingress.kubernetes.io/server-snippet",
		"path": "metadata.annotations[\"nginx.ingress.kubernetes.io/server-snippet\"]",
	}
}
