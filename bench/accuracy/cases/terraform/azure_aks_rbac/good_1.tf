resource "azurerm_kubernetes_cluster" "aks" {
  name                = "acme-aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "acme"
  default_node_pool {
    name       = "default"
    node_count = 2
    vm_size    = "Standard_D2s_v5"
  }
  identity {
    type = "SystemAssigned"
  }
}
