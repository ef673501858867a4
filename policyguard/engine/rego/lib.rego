# METADATA
# title: policyguard rule library
# description: Helpers every built-in and user rule may import as data.policyguard.lib.
package policyguard.lib

import rego.v1

# is_unknown(x): x is the marker of a value a parser could not resolve ({"__unknown__": expr}).
is_unknown(x) if {
	is_object(x)
	_ = x.__unknown__
}

# unknown_expr(x): the expression an unknown marker names.
unknown_expr(x) := x.__unknown__ if is_unknown(x)

# has(obj, key): obj is an object holding key (whatever its value, null and false included).
has(obj, key) if {
	is_object(obj)
	_ = obj[key]
}

# get(obj, key, fallback): obj[key], or fallback when obj is not an object or lacks key.
get(obj, key, fallback) := obj[key] if has(obj, key)

get(obj, key, fallback) := fallback if not has(obj, key)

# attr(key): the current resource's attribute, or null when absent. Safe under `not`:
# `not lib.truthy(lib.attr("encrypted"))` fires for a missing attribute on OPA and regorus alike
# (a function call on an undefined reference under `not` is undefined in OPA).
attr(key) := object.get(input.resource.attributes, key, null)

_true_strings := {"true", "yes", "on", "1", "enabled"}

_false_strings := {"false", "no", "off", "0", "disabled", ""}

# truthy(x): x is true, or a string/number that IaC formats use for true
# ("true", "True", "yes", "on", "1", 1). Unknown markers are neither truthy nor falsy.
truthy(x) if x == true

truthy(x) if {
	is_string(x)
	lower(trim_space(x)) in _true_strings
}

truthy(x) if {
	is_number(x)
	x == 1
}

# falsy(x): x is false, null, or a false-like string/number. Absent values are not falsy:
# test with has() first or use not truthy().
falsy(x) if x == false

falsy(x) if x == null

falsy(x) if {
	is_string(x)
	lower(trim_space(x)) in _false_strings
}

falsy(x) if {
	is_number(x)
	x == 0
}

# containers(pod_spec): every container of a pod spec, init and ephemeral containers included,
# as {"container": c, "kind": "containers"|"initContainers"|"ephemeralContainers",
#     "path": "pod_spec.containers[0]"} (a result path the engine maps onto the real object).
containers(pod_spec) := [c |
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	is_array(pod_spec[kind])
	some i, ctr in pod_spec[kind]
	is_object(ctr)
	c := {"container": ctr, "kind": kind, "path": sprintf("pod_spec.%s[%d]", [kind, i])}
]

# pod_containers: containers(input.resource.pod_spec) for the resource under evaluation. A rule,
# not a function call, so the engine computes it once per resource however many rules use it
# (about 25% of a Pod's evaluation time when each rule called containers() itself).
pod_containers := containers(input.resource.pod_spec)

# as_array(x): x if it is an array, [x] for any other defined value (CloudFormation and
# Kubernetes allow a single item where a list is expected in a few places).
as_array(x) := x if is_array(x)

as_array(x) := [x] if not is_array(x)

# Wrong-typed data. A value can be null (plans write every unset attribute as null), an unknown
# marker, or the wrong type (a string where a list belongs). Iterating a non-collection
# (`some x in null`) or passing a wrong type to a built-in (`object.get(null, ...)`,
# `lower(1)`) is an error on regorus and undefined on OPA: neither is a verdict. Read values a
# rule iterates or hands to a built-in through these, then decide on what is left: an empty
# list for a missing log-types list still fails closed.

# arr(x): x if it is an array, else [] (null, a scalar, an object, an unknown marker).
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# obj(x): x if it is an object (unknown markers included: their path makes a verdict unknown),
# else {}.
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# coll(x): x if it can be iterated with `some k, v in x` (array, object, set), else [].
coll(x) := x if is_array(x)

coll(x) := x if is_object(x)

coll(x) := x if is_set(x)

coll(x) := [] if {
	not is_array(x)
	not is_object(x)
	not is_set(x)
}

# str(x): x if it is a string, else "" (for lower/startswith/contains on a value that may be
# a number, a list or null).
str(x) := x if is_string(x)

str(x) := "" if not is_string(x)

# first(x): the first item of a non-empty array, else null (a nested block a plan writes as
# null or [], or a value of the wrong type).
first(x) := x[0] if {
	is_array(x)
	count(x) > 0
} else := null
