resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_mssql_server_extended_auditing_policy" "this" {
  name                   = "audit-retention-policy-0"
  location               = azurerm_resource_group.main.location
  resource_group_name    = azurerm_resource_group.main.name
  server_id              = "azurerm_mssql_server.main.id"
  log_monitoring_enabled = true
  retention_in_days      = 90
}

resource "azurerm_mssql_database_extended_auditing_policy" "policy0" {
  name                   = "audit-retention-policy-0"
  location               = azurerm_resource_group.main.location
  resource_group_name    = azurerm_resource_group.main.name
  database_id            = "azurerm_mssql_database.main.id"
  log_monitoring_enabled = true
  retention_in_days      = 90
}
