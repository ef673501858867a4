resource "google_sql_database_instance" "db" {
  name             = "db"
  database_version = "POSTGRES_14"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    database_flags {
      name  = "log_lock_waits"
      value = "on"
    }

    database_flags {
      name  = "other_flag"
      value = "x"
    }
  }
}
