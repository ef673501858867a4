resource "google_dns_policy" "prod" {
  name                      = "prod"
  enable_inbound_forwarding = false
  enable_logging            = true

  networks {
    network_url = "projects/shop-prod/global/networks/prod"
  }
}
