resource "google_compute_firewall" "ops" {
  name    = "allow-ops"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["022"]
  }
  source_ranges = ["35.235.240.0/20"]
}
