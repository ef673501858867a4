resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_postgresql_server" "this" {
  name                              = "infrastructure-encryption-server-0"
  location                          = azurerm_resource_group.main.location
  resource_group_name               = azurerm_resource_group.main.name
  sku_name                          = "GP_Gen5_2"
  version                           = "11"
  infrastructure_encryption_enabled = true
}
