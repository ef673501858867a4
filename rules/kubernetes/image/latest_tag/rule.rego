# METADATA
# title: Container images are pinned to a version
# description: >-
#   An image without a tag, or tagged latest, resolves to whatever was pushed last: rollouts
#   are not reproducible and a compromised or broken push reaches production unnoticed. An
#   image pinned by digest passes whatever its tag.
# custom:
#   id: PG-K8S-IMAGE-001
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nist-800-53: [CM-2, CM-14]
#   remediation: Reference images by an immutable version tag, or better by digest (image@sha256:...).
#   fixable: false
package policyguard.rules.kubernetes.image.latest_tag

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# The tag of an image reference: what follows the last ":" after the last "/" (a ":" before
# the last "/" is a registry port, e.g. registry.local:5000/app).
tag(image) := t if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	t := split(last, ":")[1]
}

# One pass over the containers: the tag is read once per image and picks the message.
fail contains result if {
	some c in k8s_pod.containers
	image := c.container.image
	is_string(image)
	not contains(image, "@")
	form := mutable_form(tag_or_null(image))
	result := {
		"msg": sprintf(form, [object.get(obj(c.container), "name", "<unnamed>"), image]),
		"path": sprintf("%s.image", [c.path]),
	}
}

tag_or_null(image) := t if {
	t := tag(image)
} else := null

# the message for an image without a tag (null) or with the tag latest; undefined for others
mutable_form(null) := "container \"%v\" uses image \"%v\" without a tag (implicitly latest)"

mutable_form("latest") := "container \"%v\" uses the mutable tag latest (\"%v\")"
