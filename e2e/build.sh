#!/usr/bin/env bash
# Builds the real control plane for the end-to-end admission tests (tests/e2e/) from the Go
# module in e2e/cluster: kube-apiserver (k8s.io/kubernetes v1.37.2), etcd (embedded
# go.etcd.io/etcd/server/v3) and the matching kubectl (the harness prefers it to one on PATH). The binaries land in a bin directory keyed by the pinned version
# inside the cache .ci/run shares with its helm/kustomize builds, so a second run rebuilds
# nothing. Prints the bin directory on its last line.
#   PG_E2E_BIN  overrides the bin directory;  NICE  the niceness of the build (default 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/policyguard-ci/go"
bin="${PG_E2E_BIN:-$cache/bin/k8s-v1.37.2}"
gobin=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$gobin" ] || { echo "e2e/build.sh: needs Go >= 1.26 (go not on PATH nor /usr/local/go/bin/go)" >&2; exit 1; }
mkdir -p "$bin"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS=-mod=mod GOCACHE="$cache/build" GOMODCACHE="$cache/mod" CGO_ENABLED=0
# what the apiserver reports at /version (kubectl version, discovery): the pinned release, as the
# upstream release build stamps it
version_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    version_ldflags+=" -X $pkg.gitVersion=v1.37.2 -X $pkg.gitMajor=1 -X $pkg.gitMinor=37 -X $pkg.gitTreeState=clean"
done
build() {  # name package [ldflags]: build into a temporary name, then rename, so a half-built binary never shows
    local name=$1 pkg=$2 ldflags="-s ${3:-}"
    if [ -x "$bin/$name" ]; then echo "e2e/build.sh: $bin/$name present"; return; fi
    local start=$SECONDS
    echo "e2e/build.sh: building $name ($pkg) into $bin"
    (cd "$here/cluster" && nice -n "${NICE:-10}" "$gobin" build -trimpath -ldflags="$ldflags" -o "$bin/.$name.tmp" "$pkg")
    mv -f "$bin/.$name.tmp" "$bin/$name"
    echo "e2e/build.sh: $name built in $((SECONDS - start))s"
}
build etcd ./cmd/etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$version_ldflags"
build kubectl k8s.io/kubernetes/cmd/kubectl "$version_ldflags"
echo "$bin"
