# every spelling of the whole address space, split ranges, port ranges and a large public range

resource "google_compute_firewall" "split_halves" {
  name    = "split-halves"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }
  source_ranges = ["10.0.0.0/8"]
}

resource "google_compute_firewall" "zero_padded" {
  name    = "zero-padded"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["0-65535"]
  }
  source_ranges = ["35.235.240.0/20"]
}

resource "google_compute_firewall" "ipv6_zero_group" {
  name    = "ipv6-zero-group"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "all"
  }
  source_ranges = ["35.235.240.0/20"]
}

resource "google_compute_firewall" "ipv4_mapped" {
  name    = "ipv4-mapped"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["3387-3391"]
  }
  source_ranges = ["35.235.240.0/20"]
}

resource "google_compute_firewall" "ipv6_halves" {
  name    = "ipv6-halves"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "6"
    ports    = ["3389"]
  }
  source_ranges = ["35.235.240.0/20"]
}

resource "google_compute_firewall" "large_public" {
  name    = "large-public"
  network = "projects/shop-prod/global/networks/prod"

  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }
  source_ranges = ["35.235.240.0/20"]
}
