resource "aws_eks_cluster" "platform" {
  name                      = "platform"
  role_arn                  = "arn:aws:iam::111122223333:role/eks-cluster"
  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
  }
}
