variable "regions" {
  default = ["europe-west1", "us-central1"]
}

resource "google_storage_bucket" "b" {
  for_each                    = toset(var.regions)
  name                        = "acme-data-${each.key}"
  location                    = each.key
  uniform_bucket_level_access = true
}
