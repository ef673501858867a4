resource "azurerm_network_security_rule" "rdp" {
  name                        = "rdp"
  priority                    = 120
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3000-4000"
  source_address_prefix       = "Any"
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = "win-nsg"
}
