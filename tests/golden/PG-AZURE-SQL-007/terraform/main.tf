resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_mssql_server_security_alert_policy" "this" {
  name                = "threat-detection-policy-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = "azurerm_resource_group.main.name"
  server_name         = "sql-shop-prod"
  state               = "Enabled"
}
