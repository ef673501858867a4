variable "cidr" {}
variable "name" {}
variable "subnets" {
  default = 2
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
  tags = {
    Name = var.name
  }
}

resource "aws_subnet" "s" {
  count      = var.subnets
  vpc_id     = aws_vpc.this.id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
}

output "vpc_id" {
  value = aws_vpc.this.id
}

output "traffic" {
  value = upper("all")
}
