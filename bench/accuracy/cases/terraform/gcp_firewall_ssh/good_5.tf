resource "google_compute_firewall" "icmp" {
  name    = "allow-icmp"
  network = "default"
  allow {
    protocol = "icmp"
  }
  source_ranges = ["0.0.0.0/0"]
}
