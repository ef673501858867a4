resource "azurerm_network_security_rule" "lb_probe" {
  name                        = "lb-probe-ssh"
  priority                    = 130
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "22"
  source_address_prefix       = "AzureLoadBalancer"
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = "vm-nsg"
}
