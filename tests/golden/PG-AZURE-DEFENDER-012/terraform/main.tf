resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_security_center_subscription_pricing" "this" {
  resource_type = "Dns"
  tier          = "Standard"
}
