# every spelling of the whole address space, split ranges and a large public range

resource "google_container_cluster" "split_halves" {
  name               = "split-halves"
  location           = "europe-west1"
  initial_node_count = 1

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "10.0.0.0/8"
      display_name = "net1"
    }
  }
}

resource "google_container_cluster" "zero_padded" {
  name               = "zero-padded"
  location           = "europe-west1"
  initial_node_count = 1

  master_authorized_networks_config {
  }
}

resource "google_container_cluster" "four_quarters" {
  name               = "four-quarters"
  location           = "europe-west1"
  initial_node_count = 1

  master_authorized_networks_config {
  }
}

resource "google_container_cluster" "large_public" {
  name               = "large-public"
  location           = "europe-west1"
  initial_node_count = 1

  master_authorized_networks_config {
  }
}

resource "google_container_cluster" "ipv6_halves" {
  name               = "ipv6-halves"
  location           = "europe-west1"
  initial_node_count = 1

  master_authorized_networks_config {
  }
}

resource "google_container_cluster" "ipv6_zero_group" {
  name               = "ipv6-zero-group"
  location           = "europe-west1"
  initial_node_count = 1

  master_authorized_networks_config {
  }
}

resource "google_container_cluster" "ipv4_mapped" {
  name               = "ipv4-mapped"
  location           = "europe-west1"
  initial_node_count = 1

  master_authorized_networks_config {
  }
}
