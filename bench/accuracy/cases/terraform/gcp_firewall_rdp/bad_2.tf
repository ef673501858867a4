resource "google_compute_firewall" "all" {
  name    = "allow-all-tcp"
  network = "default"
  allow {
    protocol = "tcp"
  }
  source_ranges = ["0.0.0.0/0"]
}
