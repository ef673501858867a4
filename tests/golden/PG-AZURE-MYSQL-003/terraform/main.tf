resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_mysql_server" "this" {
  name                             = "min-tls-server-0"
  location                         = azurerm_resource_group.main.location
  resource_group_name              = azurerm_resource_group.main.name
  sku_name                         = "GP_Gen5_2"
  version                          = "8.0"
  ssl_minimal_tls_version_enforced = "TLS1_2"
}
