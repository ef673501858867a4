resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_linux_web_app" "this" {
  name                = "remote-debugging-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    remote_debugging_enabled = false
  }
}

resource "azurerm_windows_web_app" "app0" {
  name                = "remote-debugging-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    remote_debugging_enabled = false
  }
}

resource "azurerm_linux_function_app" "app0" {
  name                = "remote-debugging-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    remote_debugging_enabled = false
  }
}

resource "azurerm_windows_function_app" "app0" {
  name                = "remote-debugging-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  service_plan_id     = "azurerm_service_plan.main.id"
  site_config {
    remote_debugging_enabled = false
  }
}

resource "azurerm_app_service" "service0" {
  name                = "remote-debugging-service-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  app_service_plan_id = "azurerm_app_service_plan.main.id"
  site_config {
    remote_debugging_enabled = false
  }
}

resource "azurerm_function_app" "app0" {
  name                = "remote-debugging-app-0"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  app_service_plan_id = "azurerm_app_service_plan.main.id"
  site_config {
    remote_debugging_enabled = false
  }
}
