resource "azurerm_mssql_server" "sql" {
  name                          = "acme-sql"
  resource_group_name           = "rg"
  location                      = "westeurope"
  version                       = "12.0"
  administrator_login           = "sqladmin"
  administrator_login_password  = var.password
  minimum_tls_version           = "1.2"
  public_network_access_enabled = false
}

variable "password" {
  sensitive = true
}
