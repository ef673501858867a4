resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_mssql_server_vulnerability_assessment" "this" {
  name                            = "vulnerability-assessment-scans-assessment-0"
  location                        = azurerm_resource_group.main.location
  resource_group_name             = azurerm_resource_group.main.name
  server_security_alert_policy_id = "azurerm_mssql_server_security_alert_policy.main.id"
  storage_container_path          = "https://stsqlva.blob.core.windows.net/vulnerability-assessment/"
  recurring_scans {
    enabled = true
  }
}
