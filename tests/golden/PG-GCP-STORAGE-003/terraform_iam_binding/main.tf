resource "google_storage_bucket" "assets" {
  name     = "shop-prod-assets"
  location = "EU"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }
}

resource "google_storage_bucket_iam_binding" "viewers" {
  bucket  = google_storage_bucket.assets.name
  role    = "roles/storage.objectViewer"
  members = ["group:marketing@example.com"]
}
