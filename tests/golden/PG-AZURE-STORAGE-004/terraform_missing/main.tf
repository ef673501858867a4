resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}
resource "azurerm_storage_account" "shopdata" {
  name                     = "stshopdataprod"
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_tier             = "Standard"
  account_replication_type = "GRS"

  network_rules {
    bypass         = ["AzureServices"]
    default_action = "Deny"
  }
}
