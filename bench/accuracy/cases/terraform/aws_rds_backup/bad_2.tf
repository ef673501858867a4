variable "retention_days" {
  default = 0
}

resource "aws_db_instance" "db" {
  identifier              = "orders"
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  allocated_storage       = 20
  storage_encrypted       = true
  backup_retention_period = var.retention_days
}
