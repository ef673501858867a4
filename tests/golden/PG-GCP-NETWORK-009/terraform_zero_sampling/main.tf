resource "google_compute_subnetwork" "apps" {
  name          = "apps"
  ip_cidr_range = "10.10.0.0/20"
  region        = "europe-west1"
  network       = "projects/shop-prod/global/networks/prod"

  log_config {
    flow_sampling = 1
  }
}
