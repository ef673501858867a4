// Command etcd is a single-member etcd for tests: go.etcd.io/etcd/server/v3/embed with the
// few settings the e2e harness passes (data directory, client and peer URLs on loopback).
// It runs until SIGINT or SIGTERM, then closes the server so the data directory is released.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func parseURL(name, raw string) url.URL {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		log.Fatalf("etcd: --%s %q is not a URL", name, raw)
	}
	return *u
}

func main() {
	dataDir := flag.String("data-dir", "", "directory for the member's data (required)")
	client := flag.String("listen-client-urls", "http://127.0.0.1:2379", "client URL to listen on")
	peer := flag.String("listen-peer-urls", "http://127.0.0.1:2380", "peer URL to listen on")
	quota := flag.Int64("quota-backend-bytes", 2<<30, "backend size quota in bytes")
	flag.Parse()
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "etcd: --data-dir is required")
		os.Exit(2)
	}

	cfg := embed.NewConfig()
	cfg.Name = "policyguard-e2e"
	cfg.Dir = *dataDir
	cu, pu := parseURL("listen-client-urls", *client), parseURL("listen-peer-urls", *peer)
	cfg.ListenClientUrls = []url.URL{cu}
	cfg.AdvertiseClientUrls = []url.URL{cu}
	cfg.ListenPeerUrls = []url.URL{pu}
	cfg.AdvertisePeerUrls = []url.URL{pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.QuotaBackendBytes = *quota
	// a test member: no fsync per write (the data directory is thrown away afterwards)
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "warn"

	srv, err := embed.StartEtcd(cfg)
	if err != nil {
		log.Fatalf("etcd: %v", err)
	}
	select {
	case <-srv.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd: ready on %s\n", cu.String())
	case <-time.After(60 * time.Second):
		srv.Server.Stop()
		log.Fatal("etcd: not ready within 60s")
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		fmt.Fprintf(os.Stderr, "etcd: %v, stopping\n", s)
	case err := <-srv.Err():
		log.Fatalf("etcd: %v", err)
	}
	srv.Close()
}
