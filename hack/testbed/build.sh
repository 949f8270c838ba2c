#!/usr/bin/env bash
# build.sh builds (or reuses) the binaries of meshwiz's loopback test bed:
# kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes),
# etcd and kwok, all from the Go module proxy, in the throwaway wrapper modules
# next to this script. Binaries are cached under a directory keyed by version,
# so a warm run costs nothing. It prints the bin directory on stdout (last line)
# and progress on stderr.
#
#   hack/testbed/build.sh            # build if missing, print the bin dir
#   MESHWIZ_TESTBED_CACHE=/x build.sh  # choose the cache root
set -euo pipefail

K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.7.0

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${MESHWIZ_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshwiz/testbed}
# The key includes a hash of the wrapper modules so that a change to them rebuilds.
mods_hash=$(cat "$here"/kubebin/go.mod "$here"/kubebin/go.sum "$here"/etcdbin/go.mod "$here"/etcdbin/go.sum | sha256sum | cut -c1-12)
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_${mods_hash}"
bin="$cache_root/$key/bin"

log() { printf '[testbed-build +%3ss] %s\n' "$SECONDS" "$*" >&2; }

need=()
for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok; do
	[ -x "$bin/$b" ] || need+=("$b")
done
if [ ${#need[@]} -eq 0 ]; then
	log "cached: $bin"
	echo "$bin"
	exit 0
fi

log "building ${need[*]} into $bin (cold: 5-14 minutes on 2 cores, module downloads included)"
tmp="$cache_root/$key/tmp.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod

minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION} \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor} \
-X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z"

build_kube() {
	log "kube-apiserver, kube-controller-manager, kube-scheduler ${K8S_VERSION}: downloading and compiling"
	(cd "$here/kubebin" && go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler)
	log "kube binaries built"
}
build_etcd() {
	log "etcd ${ETCD_VERSION}: downloading and compiling"
	(cd "$here/etcdbin" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" .)
	log "etcd built"
}
build_kwok() {
	log "kwok ${KWOK_VERSION}: go install"
	GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
	log "kwok built"
}

# A heartbeat so that a long cold build visibly makes progress.
(while sleep 30; do log "still building..."; done) &
beat=$!
trap 'kill $beat 2>/dev/null; rm -rf "$tmp"' EXIT

# Sequential on purpose: on 2 cores the compiles compete, and the kube trio
# alone saturates the CPU.
for b in "${need[@]}"; do
	case $b in
	kube-*) [ -x "$tmp/kube-apiserver" ] || build_kube ;;
	etcd) build_etcd ;;
	kwok) build_kwok ;;
	esac
done

mkdir -p "$bin"
for b in "${need[@]}"; do
	mv -f "$tmp/$b" "$bin/$b"
done
log "done: $bin"
echo "$bin"
