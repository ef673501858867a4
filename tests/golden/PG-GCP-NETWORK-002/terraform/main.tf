resource "google_compute_firewall" "allow_rdp" {
  name    = "allow-rdp"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }

  allow {
    protocol = "icmp"
  }
  source_ranges = ["35.235.240.0/20"]
  target_tags = ["web"]
}
