resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_cosmosdb_account" "this" {
  name                               = "key-metadata-writes-account-0"
  location                           = azurerm_resource_group.main.location
  resource_group_name                = azurerm_resource_group.main.name
  offer_type                         = "Standard"
  access_key_metadata_writes_enabled = false
}
