resource "google_storage_bucket" "b" {
  name     = "acme-data"
  location = "EU"
}
