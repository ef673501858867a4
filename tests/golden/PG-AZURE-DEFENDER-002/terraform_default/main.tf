resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_security_center_contact" "this" {
  name                = "secops"
  email               = "secops@example.com"
  alerts_to_admins    = true
  alert_notifications = true
}
