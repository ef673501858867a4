variable "env" {
  default = "dev"
}

module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
  name   = "core-${var.env}"
}

module "remote" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
  name    = "x"
}

resource "aws_flow_log" "this" {
  vpc_id       = module.net.vpc_id
  traffic_type = module.net.traffic
  log_group    = module.remote.log_group_name
}
