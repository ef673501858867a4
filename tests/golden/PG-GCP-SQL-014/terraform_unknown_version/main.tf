variable "engine" {
  type = string
}

resource "google_sql_database_instance" "db" {
  name             = "db"
  database_version = var.engine
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    database_flags {
      name  = "cloudsql.enable_pgaudit"
      value = "off"
    }
  }
}

resource "google_sql_database_instance" "known" {
  name             = "known"
  database_version = "POSTGRES_14"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    database_flags {
      name  = "cloudsql.enable_pgaudit"
      value = "on"
    }
  }
}
