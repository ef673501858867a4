# METADATA
# title: Images come from trusted registries
# description: >-
#   An image pulled from a registry the organisation does not control (or has not vetted) runs
#   whatever its publisher pushed: typosquatted names, compromised upstream images and images
#   that never went through the organisation's scanning. The NSA/CISA Kubernetes Hardening
#   Guidance asks for images from trusted repositories only. Each container, init container and
#   ephemeral container image is compared, normalised as the container runtime resolves it
#   (no registry host is docker.io, a single name is docker.io/library/<name>), with the
#   configured list: a registry host (registry.example.com, with its port if it has one), a
#   host and path prefix ending on a "/" boundary (ghcr.io/acme/), or "*" for any.
# custom:
#   id: PG-K8S-IMAGE-004
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Image scanning"]
#   params:
#     registries:
#       type: array
#       items: {type: string, minLength: 1, pattern: "^(\\*|[^*\\s@/:]+(:[0-9]+)?(/[^*\\s@:]*)?)$"}
#       description: >-
#         Trusted registries: a host (registry.example.com, registry.local:5000), a host and
#         path prefix (ghcr.io/acme/ matches ghcr.io/acme/app, never ghcr.io/acme-evil/app), or
#         "*" for any registry; no tag, digest or partial wildcard. Docker Hub is docker.io
#         (official images: docker.io/library/), index.docker.io is the same.
#   remediation: >-
#     Pull the image from (or mirror it into) one of the trusted registries, or, if the registry
#     is trusted, add it to rules.params.PG-K8S-IMAGE-004.registries in the trusted configuration.
#   fixable: false
package policyguard.rules.kubernetes.image.trusted_registry

import rego.v1

import data.policyguard.lib

# A value still to be filled in by a template engine or the shell, not an image reference.
placeholder(image) if contains(image, "{{")

placeholder(image) if contains(image, "${")

# The repository part of a reference: without digest (after "@") and tag (a ":" after the last "/").
repository(image) := name if {
	before_digest := split(image, "@")[0]
	parts := split(before_digest, "/")
	last := parts[count(parts) - 1]
	name := trim_suffix(before_digest, tag_suffix(last))
}

tag_suffix(last) := concat("", [":", split(last, ":")[1]]) if contains(last, ":")

tag_suffix(last) := "" if not contains(last, ":")

# The first component names a registry when it holds a "." or ":" or is "localhost"
# (distribution/reference); anything else is a Docker Hub path.
is_host(first) if contains(first, ".")

is_host(first) if contains(first, ":")

is_host(first) if first == "localhost"

host_alias(h) := "docker.io" if h == "index.docker.io"

host_alias(h) := h if h != "index.docker.io"

# registry host (lower case: host names are case-insensitive) and path of a repository
split_name(name) := [host, hub_path(host, concat("/", array.slice(parts, 1, count(parts))))] if {
	parts := split(name, "/")
	count(parts) > 1
	is_host(parts[0])
	host := host_alias(lower(parts[0]))
}

# Docker Hub's official images live under library/: docker.io/nginx is docker.io/library/nginx
hub_path(host, path) := concat("/", ["library", path]) if {
	host == "docker.io"
	not contains(path, "/")
}

hub_path(host, path) := path if host != "docker.io"

hub_path(host, path) := path if contains(path, "/")

split_name(name) := ["docker.io", name] if {
	parts := split(name, "/")
	count(parts) > 1
	not is_host(parts[0])
}

split_name(name) := ["docker.io", concat("/", ["library", name])] if not contains(name, "/")

# the normalised reference without tag or digest: docker.io/library/nginx, ghcr.io/acme/app
normalised(image) := concat("/", split_name(repository(image)))

# an entry as a normalised prefix ("" path: the whole registry)
entry_parts(entry) := [host_alias(lower(parts[0])), trim_suffix(concat("/", array.slice(parts, 1, count(parts))), "/")] if {
	parts := split(entry, "/")
}

allowed(_, entry) if entry == "*"

allowed(image, entry) if {
	entry != "*"
	ep := entry_parts(entry)
	ip := split_name(repository(image))
	ip[0] == ep[0]
	under(ip[1], ep[1])
}

under(_, prefix) if prefix == ""

under(path, prefix) if {
	prefix != ""
	path == prefix
}

under(path, prefix) if {
	prefix != ""
	startswith(path, concat("", [prefix, "/"]))
}

trusted(image) if {
	some entry in input.params.registries
	allowed(image, entry)
}

container_name(ctr) := object.get(ctr, "name", "<unnamed>")

allowed_text(entries) := concat(", ", entries) if count(entries) > 0

allowed_text(entries) := "none: the configured list is empty" if count(entries) == 0

fail contains result if {
	some c in lib.pod_containers
	image := object.get(c.container, "image", null)
	is_string(image)
	not placeholder(image)
	not trusted(image)
	result := {
		"msg": sprintf("container \"%v\" image \"%v\" (%v) is not from a trusted registry (allowed: %v)", [container_name(c.container), image, normalised(image), allowed_text(input.params.registries)]),
		"path": sprintf("%s.image", [c.path]),
	}
}

# an unknown marker: the path names it, and the engine reports unknown instead of fail
fail contains result if {
	some c in lib.pod_containers
	image := object.get(c.container, "image", null)
	lib.is_unknown(image)
	result := {
		"msg": sprintf("container \"%v\" image is not known here, so its registry cannot be judged", [container_name(c.container)]),
		"path": sprintf("%s.image", [c.path]),
	}
}

unknown contains result if {
	some c in lib.pod_containers
	image := object.get(c.container, "image", null)
	is_string(image)
	placeholder(image)
	result := {
		"msg": sprintf("container \"%v\" image \"%v\" is a template placeholder, so its registry cannot be judged", [container_name(c.container), image]),
		"path": sprintf("%s.image", [c.path]),
		"expr": image,
	}
}
