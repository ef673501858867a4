variable "sources" {
  default = ["0.0.0.0/0"]
}

resource "google_compute_firewall" "admin" {
  name      = "allow-admin"
  network   = "prod"
  direction = "INGRESS"
  allow {
    protocol = "tcp"
    ports    = ["80", "20-30"]
  }
  source_ranges = var.sources
}
