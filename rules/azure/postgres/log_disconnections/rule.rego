# METADATA
# title: PostgreSQL servers log disconnections
# description: >-
#   With log_disconnections off (the Azure default) session ends and durations are not logged, so
#   sessions cannot be reconstructed during an investigation. The parameter is read from
#   azurerm_postgresql_configuration (single server) or
#   azurerm_postgresql_flexible_server_configuration resources of the same unit that point at the
#   server; when none sets it, Azure's default decides (a default not documented as on is
#   unknown).
# custom:
#   id: PG-AZURE-POSTGRES-009
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_postgresql_server, azurerm_postgresql_flexible_server]
#   frameworks:
#     cis-azure: ["4.3.4"]
#     nist-800-53: [AU-2, AU-12]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: [CC7.2]
#   remediation: Add an azurerm_postgresql_configuration / azurerm_postgresql_flexible_server_configuration with name = "log_disconnections" ("log_disconnections" on flexible servers) and value = "on".
#   fixable: false
package policyguard.rules.azure.postgres.log_disconnections

import rego.v1

import data.policyguard.lib

# per server type: the configuration resource type, the attribute that points at the server, the
# parameter's name and its Azure default ("on", "off", or "undocumented": unknown when unset)
servers := {
	"azurerm_postgresql_server": {"config": "azurerm_postgresql_configuration", "ref": "server_name", "param": "log_disconnections", "default": "off"},
	"azurerm_postgresql_flexible_server": {"config": "azurerm_postgresql_flexible_server_configuration", "ref": "server_id", "param": "log_disconnections", "default": "off"},
}

kind := servers[input.resource.type]

# the configuration resources of the scan unit that set this parameter on this server
settings := [c |
	some ref in lib.arr(input.resource.referenced_by)
	ref.path == kind.ref
	c := input.resources[ref.source]
	c.type == kind.config
	lower(trim_space(lib.str(object.get(lib.obj(c.attributes), "name", "")))) == kind.param
]

value_of(c) := object.get(lib.obj(c.attributes), "value", null)

is_on(v) if lower(trim_space(lib.str(v))) in {"on", "true", "1"}

fail contains result if {
	some c in settings
	v := value_of(c)
	not lib.is_unknown(v)
	not is_on(v)
	result := {
		"msg": sprintf("%s \"%v\": %s sets %s = %v", [input.resource.type, input.resource.name, c.id, kind.param, v]),
		"path": sprintf("configuration.%s", [kind.param]),
	}
}

unknown contains result if {
	some c in settings
	v := value_of(c)
	lib.is_unknown(v)
	result := {
		"msg": sprintf("%s \"%v\": %s sets %s to a value that is not known", [input.resource.type, input.resource.name, c.id, kind.param]),
		"path": sprintf("configuration.%s", [kind.param]),
		"expr": lib.unknown_expr(v),
	}
}

fail contains result if {
	count(settings) == 0
	kind.default == "off"
	result := {
		"msg": sprintf("%s \"%v\" leaves %s at its default, off (no %s sets it)", [input.resource.type, input.resource.name, kind.param, kind.config]),
		"path": sprintf("configuration.%s", [kind.param]),
	}
}

unknown contains result if {
	count(settings) == 0
	kind.default == "undocumented"
	result := {
		"msg": sprintf("%s \"%v\": no %s sets %s, and its default is not documented as on", [input.resource.type, input.resource.name, kind.config, kind.param]),
		"path": sprintf("configuration.%s", [kind.param]),
		"expr": sprintf("server default of %s", [kind.param]),
	}
}
