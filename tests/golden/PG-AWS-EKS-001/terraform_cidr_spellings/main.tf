# every spelling of the whole address space, split ranges and a large public range

resource "aws_eks_cluster" "split_halves" {
  name     = "split-halves"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
    endpoint_public_access  = false
    public_access_cidrs     = ["0.0.0.0/1", "10.0.0.0/8", "128.0.0.0/1"]
    endpoint_private_access = true
  }
}

resource "aws_eks_cluster" "zero_padded" {
  name     = "zero-padded"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
    endpoint_public_access  = false
    public_access_cidrs     = ["0.0.0.0/00"]
    endpoint_private_access = true
  }
}

resource "aws_eks_cluster" "four_quarters" {
  name     = "four-quarters"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
    endpoint_public_access  = false
    public_access_cidrs     = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]
    endpoint_private_access = true
  }
}

resource "aws_eks_cluster" "large_public" {
  name     = "large-public"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
    endpoint_public_access  = false
    public_access_cidrs     = ["52.0.0.0/8"]
    endpoint_private_access = true
  }
}

resource "aws_eks_cluster" "ipv6_halves" {
  name     = "ipv6-halves"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
    endpoint_public_access  = false
    public_access_cidrs     = ["::/1", "8000::/1"]
    endpoint_private_access = true
  }
}

resource "aws_eks_cluster" "ipv6_zero_group" {
  name     = "ipv6-zero-group"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
    endpoint_public_access  = false
    public_access_cidrs     = ["0::/0"]
    endpoint_private_access = true
  }
}

resource "aws_eks_cluster" "ipv4_mapped" {
  name     = "ipv4-mapped"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
    endpoint_public_access  = false
    public_access_cidrs     = ["::ffff:0.0.0.0/96"]
    endpoint_private_access = true
  }
}
