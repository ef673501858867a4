resource "google_compute_firewall" "ssh_iap" {
  name    = "allow-ssh-iap"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
  source_ranges = ["35.235.240.0/20"]
}
