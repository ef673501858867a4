resource "google_service_account" "web" {
  account_id   = "web-vm"
  display_name = "web VM"
}

resource "google_compute_instance" "web" {
  name         = "web-1"
  machine_type = "e2-standard-2"
  zone         = "europe-west1-b"

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
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

  can_ip_forward = false

  shielded_instance_config {
    enable_secure_boot = true
  }
}
