resource "google_compute_firewall" "rdp" {
  name    = "allow-rdp-office"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }
  source_ranges = ["203.0.113.0/24"]
}
