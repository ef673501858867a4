# METADATA
# title: policyguard port range helpers
# description: >-
#   Port-range functions shared by the network rules of every provider (security groups, NSGs,
#   firewalls, network ACLs). Functions only: regorus evaluates the rules of a package another
#   package refers to, once per resource, but a function only when it is called, so a package of
#   functions costs nothing to the rules that import it and do not call it.
package policyguard.net

import rego.v1

# port_range(x): {"lo", "hi"} for a port as Azure and GCP write it: "*" (every port,
# 0-65535), a number ("22", or 22: HCL lets a number stand where the provider's schema says
# string, and Terraform converts it) or a range ("1000-2000"), blanks around the numbers
# allowed; undefined for anything else (a service name, "22,80", an unknown marker).
# Callers that accept fewer spellings test the text first.
port_range(x) := {"lo": 0, "hi": 65535} if x == "*"

port_range(x) := {"lo": x, "hi": x} if {
	is_number(x)
	x == floor(x)
	x >= 0
}

port_range(x) := {"lo": n, "hi": n} if {
	is_string(x)
	regex.match(`^\s*[0-9]+\s*$`, x)
	n := integer(trim_space(x))
}

port_range(x) := {"lo": integer(trim_space(parts[0])), "hi": integer(trim_space(parts[1]))} if {
	is_string(x)
	parts := split(x, "-")
	count(parts) == 2
	regex.match(`^\s*[0-9]+\s*$`, parts[0])
	regex.match(`^\s*[0-9]+\s*$`, parts[1])
}

# port_ranges(xs): port_range of each value of xs that is one, in order (xs: a list)
port_ranges(xs) := [r | some x in xs; r := port_range(x)]

# range_has(r, port): the range {"lo", "hi"} (port_range, or numbers a rule read itself) opens
# the port
range_has(r, port) if {
	r.lo <= port
	port <= r.hi
}

# range_every_port(r): the range spans every usable port (1-65535; 0-65535 and "*" too)
range_every_port(r) if {
	r.lo <= 1
	r.hi >= 65535
}

# integer(s): the number a string of ASCII digits stands for (a leading "-" allowed), leading
# zeros included: Terraform and CloudFormation read "022" as 22, while to_number rejects it on
# both engines (an evaluation error, so an error verdict instead of a judgement)
integer(s) := _sign(s) * _natural(trim_left(trim_prefix(s, "-"), "0")) if {
	is_string(s)
	regex.match(`^-?[0-9]+$`, s)
}

_natural(d) := 0 if d == ""

_natural(d) := to_number(d) if d != ""

_sign(s) := -1 if startswith(s, "-")

_sign(s) := 1 if not startswith(s, "-")
