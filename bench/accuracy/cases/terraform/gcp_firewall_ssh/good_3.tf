resource "google_compute_firewall" "ssh_egress" {
  name               = "allow-ssh-out"
  network            = "default"
  direction          = "EGRESS"
  destination_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
