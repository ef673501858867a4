data "google_iam_policy" "public" {
  binding {
    role    = "roles/storage.objectViewer"
    members = ["allUsers"]
  }
}

resource "google_storage_bucket_iam_policy" "public" {
  bucket      = "acme-assets"
  policy_data = data.google_iam_policy.public.policy_data
}
