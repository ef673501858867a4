resource "aws_db_instance" "reporting" {
  identifier          = "reporting"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = true
  storage_encrypted   = false
  backup_retention_period = 1
}

resource "aws_db_instance" "orders" {
  identifier                          = "orders"
  engine                              = "postgres"
  instance_class                      = "db.t3.micro"
  publicly_accessible                 = false
  storage_encrypted                   = true
  backup_retention_period             = 14
  deletion_protection                 = true
  iam_database_authentication_enabled = true
  multi_az                            = true
}
