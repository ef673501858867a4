resource "google_storage_bucket" "assets" {
  name     = "shop-prod-assets"
  location = "EU"
  uniform_bucket_level_access = true

  versioning {
    enabled = true
  }
}
