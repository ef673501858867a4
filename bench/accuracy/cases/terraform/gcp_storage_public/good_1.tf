resource "google_storage_bucket_iam_member" "reader" {
  bucket = "acme-assets"
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:web@acme-prod.iam.gserviceaccount.com"
}
