resource "azurerm_storage_account" "sa" {
  name                      = "acmelegacy"
  resource_group_name       = "rg"
  location                  = "westeurope"
  account_tier              = "Standard"
  account_replication_type  = "GRS"
  enable_https_traffic_only = false
}
