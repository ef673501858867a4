resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_linux_virtual_machine" "this" {
  name                       = "encryption-at-host-machine-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  size                       = "Standard_D2s_v5"
  admin_username             = "azureuser"
  encryption_at_host_enabled = true
}

resource "azurerm_windows_virtual_machine" "machine0" {
  name                       = "encryption-at-host-machine-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  size                       = "Standard_D2s_v5"
  admin_username             = "azureuser"
  encryption_at_host_enabled = true
}

resource "azurerm_linux_virtual_machine_scale_set" "set0" {
  name                       = "encryption-at-host-set-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  size                       = "Standard_D2s_v5"
  admin_username             = "azureuser"
  encryption_at_host_enabled = true
}

resource "azurerm_windows_virtual_machine_scale_set" "set0" {
  name                       = "encryption-at-host-set-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  size                       = "Standard_D2s_v5"
  admin_username             = "azureuser"
  encryption_at_host_enabled = true
}
