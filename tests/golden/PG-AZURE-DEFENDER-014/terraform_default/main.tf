resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_security_center_contact" "this" {
  name                = "secops"
  email               = "secops@example.com"
  alert_notifications = true
  alerts_to_admins    = true
}
