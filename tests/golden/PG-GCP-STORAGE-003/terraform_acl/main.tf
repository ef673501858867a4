resource "google_storage_bucket" "assets" {
  name     = "shop-prod-assets"
  location = "EU"
  public_access_prevention = "inherited"

  versioning {
    enabled = true
  }
}

resource "google_storage_bucket_acl" "assets" {
  bucket      = google_storage_bucket.assets.name
  role_entity = ["OWNER:project-owners-123456789"]
}
