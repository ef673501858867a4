resource "google_compute_firewall" "allow_all" {
  name          = "allow-all"
  network       = "projects/shop-prod/global/networks/prod"
  source_ranges = ["35.235.240.0/20"]

  allow {
    protocol = "all"
  }
  target_tags = ["web"]
}
