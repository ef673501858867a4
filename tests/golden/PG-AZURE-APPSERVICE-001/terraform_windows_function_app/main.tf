resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}
resource "azurerm_service_plan" "main" {
  name                = "asp-shop-prod"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  os_type             = "Windows"
  sku_name            = "P1v3"
}

resource "azurerm_windows_function_app" "web" {
  name                = "app-shop-prod"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_service_plan.main.location
  service_plan_id     = azurerm_service_plan.main.id
  https_only          = true
  storage_account_name = "stshopfunc"

  site_config {
    minimum_tls_version = "1.2"
    ftps_state          = "Disabled"
  }
}
