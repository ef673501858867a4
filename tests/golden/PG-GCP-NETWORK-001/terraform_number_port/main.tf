# ports is a list of strings in the provider's schema; HCL accepts numbers there and Terraform
# converts them, so [22] opens SSH exactly like ["22"]
resource "google_compute_firewall" "ssh_number" {
  name    = "allow-ssh-number"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = [22]
  }
  source_ranges = ["35.235.240.0/20"]
}
