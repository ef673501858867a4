resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_eventhub_namespace" "this" {
  name                          = "public-network-access-namespace-0"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku                           = "Standard"
  public_network_access_enabled = false
}
