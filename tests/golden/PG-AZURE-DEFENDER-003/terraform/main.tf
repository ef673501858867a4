resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_security_center_subscription_pricing" "this" {
  tier = "Standard"
}
