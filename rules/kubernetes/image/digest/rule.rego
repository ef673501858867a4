# METADATA
# title: Container images are referenced by digest
# description: >-
#   Tags are mutable: the registry can serve different content under the same tag. Only a
#   digest (image@sha256:...) guarantees the image that was reviewed and scanned is the one
#   that runs.
# custom:
#   id: PG-K8S-IMAGE-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nist-800-53: [CM-14, SI-7]
#   remediation: Pin the image by digest (registry/name:tag@sha256:<digest>), e.g. with your CD tool's image updater.
#   fixable: false
package policyguard.rules.kubernetes.image.digest

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	some c in k8s_pod.containers
	image := c.container.image
	is_string(image)
	not contains(image, "@sha256:")
	result := {
		"msg": sprintf("container \"%v\" image \"%v\" is not pinned by digest", [object.get(obj(c.container), "name", "<unnamed>"), image]),
		"path": sprintf("%s.image", [c.path]),
	}
}
