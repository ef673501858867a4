resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_synapse_workspace" "this" {
  name                                 = "public-network-access-workspace-0"
  location                             = azurerm_resource_group.main.location
  resource_group_name                  = azurerm_resource_group.main.name
  storage_data_lake_gen2_filesystem_id = "https://stsynapse.dfs.core.windows.net/fs"
  sql_administrator_login              = "sqladminuser"
  public_network_access_enabled        = false
}
