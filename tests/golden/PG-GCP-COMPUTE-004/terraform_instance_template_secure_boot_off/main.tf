resource "google_service_account" "web" {
  account_id   = "web-vm"
  display_name = "web VM"
}

resource "google_compute_instance_template" "web" {
  name         = "web-1"
  machine_type = "e2-standard-2"

  disk {
    source_image = "debian-cloud/debian-12"
    auto_delete  = true
    boot         = true
  }

  network_interface {
    subnetwork = "projects/shop-prod/regions/europe-west1/subnetworks/web"
  }

  metadata = {
    enable-oslogin = "TRUE"
  }

  service_account {
    email  = google_service_account.web.email
    scopes = ["cloud-platform"]
  }

  shielded_instance_config {
    enable_secure_boot = true
  }
}
