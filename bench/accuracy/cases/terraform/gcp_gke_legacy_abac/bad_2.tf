variable "abac" {
  default = true
}

resource "google_container_cluster" "gke" {
  name               = "acme"
  location           = "europe-west1"
  initial_node_count = 1
  enable_legacy_abac = var.abac
}
