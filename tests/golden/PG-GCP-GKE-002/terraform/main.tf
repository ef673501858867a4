resource "google_container_cluster" "prod" {
  name     = "shop-prod"
  location = "europe-west1"

  remove_default_node_pool = true
  initial_node_count       = 1
  network                  = "projects/shop-prod/global/networks/prod"
  subnetwork               = "projects/shop-prod/regions/europe-west1/subnetworks/gke"

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
    master_ipv4_cidr_block  = "172.16.0.32/28"
  }

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "203.0.113.0/24"
      display_name = "office"
    }
  }

  workload_identity_config {
    workload_pool = "shop-prod.svc.id.goog"
  }

  enable_legacy_abac = false
}
