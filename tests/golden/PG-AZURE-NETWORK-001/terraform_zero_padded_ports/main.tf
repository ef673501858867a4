resource "azurerm_network_security_group" "ops" {
  name                = "nsg-ops"
  location            = "westeurope"
  resource_group_name = "rg-ops"

  security_rule {
    name                       = "ssh-zero-padded"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["0022", "020-023"]
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }
}
