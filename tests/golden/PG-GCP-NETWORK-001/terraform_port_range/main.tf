resource "google_compute_firewall" "allow_admin" {
  name    = "allow-admin"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["80", "443", "20-4000"]
  }
  source_ranges = ["10.0.0.0/8"]
  target_tags = ["web"]
}
