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
  network_profile {
    network_plugin = "azure"
    network_policy = "azure"
  }
  identity {
    type = "SystemAssigned"
  }
}
