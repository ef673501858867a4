resource "aws_redshiftserverless_workgroup" "analytics" {
  namespace_name      = "analytics"
  workgroup_name      = "analytics"
  base_capacity       = 32
  publicly_accessible = false
}
