# METADATA
# title: Redis caches disable the non-TLS port
# description: >-
#   The non-SSL port 6379 carries the access key and all cached data in clear text. It is off by
#   default.
# custom:
#   id: PG-AZURE-REDIS-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_redis_cache]
#   frameworks:
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set non_ssl_port_enabled = false (enable_non_ssl_port in azurerm 3.x) and connect on port 6380 with TLS.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.redis.non_ssl_port

import rego.v1

import data.policyguard.lib

# show(v): v for messages, "not set" for null, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := "not set" if v == null

show(v) := v if {
	not lib.is_unknown(v)
	v != null
}

attrs := lib.obj(input.resource.attributes)

# good(v): the value is the secure setting
good(v) if lib.falsy(v)

# check 0: azurerm_redis_cache: non_ssl_port_enabled / enable_non_ssl_port (absent = false)
present_0(o) := [key | some key in ["non_ssl_port_enabled", "enable_non_ssl_port"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["non_ssl_port_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_redis_cache"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" opens the plain-text port (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Close the non-TLS port", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
