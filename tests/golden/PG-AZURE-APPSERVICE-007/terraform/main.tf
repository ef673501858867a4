resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_linux_web_app" "this" {
  name                = "http2-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    http2_enabled = true
  }
}

resource "azurerm_windows_web_app" "app0" {
  name                = "http2-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    http2_enabled = true
  }
}

resource "azurerm_linux_function_app" "app0" {
  name                = "http2-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    http2_enabled = true
  }
}

resource "azurerm_windows_function_app" "app0" {
  name                = "http2-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    http2_enabled = true
  }
}

resource "azurerm_app_service" "service0" {
  name                = "http2-service-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  app_service_plan_id = "azurerm_app_service_plan.main.id"
  site_config {
    http2_enabled = true
  }
}

resource "azurerm_function_app" "app0" {
  name                = "http2-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  app_service_plan_id = "azurerm_app_service_plan.main.id"
  site_config {
    http2_enabled = true
  }
}
