resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_mysql_server" "this" {
  name                          = "public-network-access-server-0"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku_name                      = "GP_Gen5_2"
  version                       = "8.0"
  ssl_enforcement_enabled       = true
  public_network_access_enabled = false
}

resource "azurerm_mysql_flexible_server" "server0" {
  name                          = "public-network-access-server-0"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku_name                      = "GP_Standard_D2ds_v4"
  public_network_access_enabled = false
}
