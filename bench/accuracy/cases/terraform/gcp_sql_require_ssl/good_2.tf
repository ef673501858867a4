resource "google_sql_database_instance" "db" {
  name             = "orders"
  database_version = "POSTGRES_14"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
    ip_configuration {
      ipv4_enabled    = false
      private_network = "projects/acme/global/networks/prod"
      ssl_mode        = "ENCRYPTED_ONLY"
    }
  }
}
