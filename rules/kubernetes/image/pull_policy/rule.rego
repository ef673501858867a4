# METADATA
# title: Images with mutable tags are pulled on every start
# description: >-
#   An image referenced by tag (not digest) with imagePullPolicy IfNotPresent or Never
#   (IfNotPresent is the default for tags other than latest) runs whatever the node cached under
#   that tag: a stale or replaced image, and, with a shared node cache, an image another tenant
#   pulled without having pull credentials for it.
# custom:
#   id: PG-K8S-IMAGE-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Image scanning"]
#     nist-800-53: ["CM-14", "SI-7"]
#   remediation: "Pin the image by digest, or set imagePullPolicy: Always."
#   fixable: false
package policyguard.rules.kubernetes.image.pull_policy

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# IfNotPresent is the default for any tag but latest (untagged images default to Always)
has_tag(image) if {
	parts := split(image, "/")
	contains(parts[count(parts) - 1], ":")
}

effective(ctr, image) := p if {
	p := object.get(ctr, "imagePullPolicy", null)
	is_string(p)
} else := "IfNotPresent" if {
	has_tag(image)
	not endswith(image, ":latest")
} else := "Always"

fail contains result if {
	some c in k8s_pod.containers
	ctr := obj(c.container)
	image := object.get(ctr, "image", null)
	is_string(image)
	not contains(image, "@")
	policy := effective(ctr, image)
	policy != "Always"
	result := {
		"msg": sprintf("container \"%v\" runs mutable image \"%v\" with imagePullPolicy %v", [object.get(obj(c.container), "name", "<unnamed>"), image, policy]),
		"path": sprintf("%s.image", [c.path]),
	}
}
