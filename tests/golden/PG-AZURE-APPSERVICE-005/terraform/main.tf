resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_linux_web_app" "this" {
  name                       = "client-certificates-app-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  service_plan_id            = "azurerm_service_plan.main.id"
  client_certificate_enabled = true
}

resource "azurerm_windows_web_app" "app0" {
  name                       = "client-certificates-app-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  service_plan_id            = "azurerm_service_plan.main.id"
  client_certificate_enabled = true
}

resource "azurerm_linux_function_app" "app0" {
  name                       = "client-certificates-app-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  service_plan_id            = "azurerm_service_plan.main.id"
  client_certificate_enabled = true
}

resource "azurerm_windows_function_app" "app0" {
  name                       = "client-certificates-app-0"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  service_plan_id            = "azurerm_service_plan.main.id"
  client_certificate_enabled = true
}

resource "azurerm_app_service" "service1" {
  name                = "client-certificates-service-1"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  app_service_plan_id = "azurerm_app_service_plan.main.id"
  client_cert_enabled = true
}
