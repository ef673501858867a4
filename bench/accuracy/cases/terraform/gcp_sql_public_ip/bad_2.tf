resource "google_sql_database_instance" "db" {
  name             = "orders"
  database_version = "MYSQL_8_0"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
  }
}
