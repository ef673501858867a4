resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_storage_account" "queues" {
  name                     = "stqueues"
  location                 = azurerm_resource_group.main.location
  resource_group_name      = azurerm_resource_group.main.name
  account_tier             = "Standard"
  account_replication_type = "GRS"
}

resource "azurerm_storage_account_queue_properties" "queues" {
  storage_account_id = azurerm_storage_account.queues.id
  logging {
    read                  = true
    write                 = true
    delete                = true
    version               = "1.0"
    retention_policy_days = 90
  }
}
