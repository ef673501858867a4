resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_linux_function_app" "this" {
  name                          = "public-network-access-app-0"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  service_plan_id               = "azurerm_service_plan.main.id"
  storage_account_name          = "stfunc"
  public_network_access_enabled = false
  site_config {
  }
}

resource "azurerm_windows_function_app" "app0" {
  name                          = "public-network-access-app-0"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  service_plan_id               = "azurerm_service_plan.main.id"
  storage_account_name          = "stfunc"
  public_network_access_enabled = false
  site_config {
  }
}
