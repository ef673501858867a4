resource "aws_rds_cluster" "ledger" {
  cluster_identifier          = "ledger"
  engine                      = "aurora-postgresql"
  master_username             = "app"
  manage_master_user_password = true
  deletion_protection = true
}
