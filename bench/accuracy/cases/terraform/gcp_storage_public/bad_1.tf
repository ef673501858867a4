resource "google_storage_bucket_iam_member" "public" {
  bucket = "acme-assets"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}
