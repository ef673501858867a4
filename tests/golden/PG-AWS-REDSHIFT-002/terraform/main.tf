resource "aws_redshift_cluster" "dw" {
  cluster_identifier          = "dw"
  node_type                   = "ra3.xlplus"
  number_of_nodes             = 2
  master_username             = "admin"
  manage_master_password      = true
  encrypted                   = true
  publicly_accessible         = false
}
