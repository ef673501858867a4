resource "google_container_cluster" "autopilot" {
  name             = "acme-autopilot"
  location         = "europe-west1"
  enable_autopilot = true
}
