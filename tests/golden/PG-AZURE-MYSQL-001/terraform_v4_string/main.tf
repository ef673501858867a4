resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_mysql_flexible_server" "this" {
  name                  = "mysql-shop-prod"
  location              = azurerm_resource_group.main.location
  resource_group_name   = azurerm_resource_group.main.name
  sku_name              = "GP_Standard_D2ds_v4"
  public_network_access = "Disabled"
}
