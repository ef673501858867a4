resource "azurerm_storage_account" "sa" {
  name                       = "acmedata"
  resource_group_name        = "rg"
  location                   = "westeurope"
  account_tier               = "Standard"
  account_replication_type   = "LRS"
  https_traffic_only_enabled = false
}
