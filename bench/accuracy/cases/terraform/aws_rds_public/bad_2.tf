variable "public" {
  type    = bool
  default = true
}

resource "aws_db_instance" "db" {
  identifier          = "billing"
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  storage_encrypted   = true
  publicly_accessible = var.public
}
