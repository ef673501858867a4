variable "encrypt" {
  default = true
}

resource "aws_db_instance" "db" {
  identifier        = "orders"
  engine            = "mysql"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  storage_encrypted = var.encrypt
}
