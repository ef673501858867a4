resource "google_compute_firewall" "deny_rdp" {
  name    = "deny-rdp"
  network = "default"
  deny {
    protocol = "tcp"
    ports    = ["3389"]
  }
  source_ranges = ["0.0.0.0/0"]
}
