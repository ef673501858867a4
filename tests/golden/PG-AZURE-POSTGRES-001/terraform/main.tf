resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_postgresql_server" "this" {
  name                          = "public-network-access-server-0"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku_name                      = "GP_Gen5_2"
  version                       = "11"
  ssl_enforcement_enabled       = true
  public_network_access_enabled = false
}

resource "azurerm_postgresql_flexible_server" "server0" {
  name                          = "public-network-access-server-0"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku_name                      = "GP_Standard_D2s_v3"
  version                       = "16"
  public_network_access_enabled = false
}
