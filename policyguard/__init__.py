"""policyguard: a policy-as-code gate for Terraform, CloudFormation and Kubernetes."""

__version__ = "0.1.0"
