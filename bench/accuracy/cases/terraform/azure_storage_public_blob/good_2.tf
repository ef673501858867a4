locals {
  public = false
}

resource "azurerm_storage_account" "sa" {
  count                           = 2
  name                            = "acmeprivate${count.index}"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  allow_nested_items_to_be_public = local.public
}
