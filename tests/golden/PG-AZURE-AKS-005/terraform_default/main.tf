resource "azurerm_resource_group" "main" {
  name     = "rg-shop-prod"
  location = "westeurope"
}

resource "azurerm_kubernetes_cluster" "this" {
  name                    = "private-cluster-cluster-0"
  location                = azurerm_resource_group.main.location
  resource_group_name     = azurerm_resource_group.main.name
  dns_prefix              = "shop"
  private_cluster_enabled = true
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }
  identity {
    type = "SystemAssigned"
  }
}
