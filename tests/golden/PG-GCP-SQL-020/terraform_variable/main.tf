variable "engine_version" {
  type    = string
  default = "SQLSERVER_2019_STANDARD"
}

resource "google_sql_database_instance" "db" {
  name             = "db"
  database_version = var.engine_version
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"
  }
}
