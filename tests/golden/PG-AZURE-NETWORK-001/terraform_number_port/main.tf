# destination_port_range is a string in the provider's schema; HCL accepts a number there and
# Terraform converts it, so 22 opens SSH exactly like "22"
resource "azurerm_network_security_rule" "ssh" {
  name                        = "ssh-number"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = 22
  source_address_prefix       = "VirtualNetwork"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-ops"
  network_security_group_name = "nsg-ops"
}
