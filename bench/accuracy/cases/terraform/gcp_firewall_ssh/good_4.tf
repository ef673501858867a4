resource "google_compute_firewall" "ssh_tagged_iap" {
  name        = "allow-ssh-from-iap"
  network     = "prod"
  direction   = "INGRESS"
  target_tags = ["ssh"]
  allow {
    protocol = "tcp"
    ports    = ["22", "3389"]
  }
  source_ranges = ["35.235.240.0/20"]
}
