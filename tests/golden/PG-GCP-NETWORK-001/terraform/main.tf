resource "google_compute_firewall" "allow_ssh" {
  name    = "allow-ssh"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }

  allow {
    protocol = "icmp"
  }
  source_ranges = ["35.235.240.0/20"]
  target_tags = ["web"]
}
