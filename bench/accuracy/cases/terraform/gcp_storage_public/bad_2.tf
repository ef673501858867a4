resource "google_storage_bucket_iam_binding" "readers" {
  bucket  = "acme-assets"
  role    = "roles/storage.objectViewer"
  members = ["group:eng@example.com", "allAuthenticatedUsers"]
}
