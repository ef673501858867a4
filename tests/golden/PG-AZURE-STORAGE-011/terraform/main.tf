resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_storage_account" "nolog" {
  name                     = "stnolog"
  location                 = azurerm_resource_group.main.location
  resource_group_name      = azurerm_resource_group.main.name
  account_tier             = "Standard"
  account_replication_type = "GRS"
  queue_properties {
    hour_metrics {
      enabled = true
      version = "1.0"
    }

    logging {
      delete                = true
      read                  = true
      retention_policy_days = 90
      version               = "1.0"
      write                 = true
    }
  }
}

resource "azurerm_storage_account" "noread" {
  name                     = "stnoread"
  location                 = azurerm_resource_group.main.location
  resource_group_name      = azurerm_resource_group.main.name
  account_tier             = "Standard"
  account_replication_type = "GRS"
  queue_properties {
    logging {
      read                  = true
      write                 = true
      delete                = true
      version               = "1.0"
      retention_policy_days = 90
    }
  }
}
