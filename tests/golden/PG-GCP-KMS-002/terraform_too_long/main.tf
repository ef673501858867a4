resource "google_kms_crypto_key" "data" {
  name     = "data"
  key_ring = "projects/shop-prod/locations/europe-west1/keyRings/app"
  rotation_period = "7776000s"
}
