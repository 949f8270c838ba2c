#!/usr/bin/env bash
# build-istiod.sh builds (or reuses) the real Istio control plane for meshwiz's
# test bed: istiod's `pilot-discovery`, from the Go module proxy, at the
# istio.io/istio version meshwiz's own go.mod carries (the charts meshwiz
# installs come from the same module). It is built in the throwaway wrapper
# module istiodbin/ (never inside meshwiz's module: istio pins older k8s.io/*)
# and cached under the same root as build.sh, keyed by version and the wrapper's
# go.sum, so a warm run costs nothing. Progress goes to stderr; the last stdout
# line is the binary's path.
#
#   hack/testbed/build-istiod.sh               # build if missing, print the path
#   MESHWIZ_TESTBED_CACHE=/x build-istiod.sh   # choose the cache root
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache_root=${MESHWIZ_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshwiz/testbed}

log() { printf '[istiod-build +%3ss] %s\n' "$SECONDS" "$*" >&2; }

# The version is the one meshwiz's go.mod requires; the wrapper must agree.
version=$(awk '$1 == "istio.io/istio" { print $2; exit }' "$root/go.mod")
wrapped=$(awk '$1 == "require" && $2 == "istio.io/istio" { print $3; exit }' "$here/istiodbin/go.mod")
if [ -z "$version" ] || [ "$version" != "$wrapped" ]; then
	echo "build-istiod.sh: go.mod requires istio.io/istio ${version:-<none>} but hack/testbed/istiodbin/go.mod has ${wrapped:-<none>}; update the wrapper (edit its require, then GOFLAGS=-mod=mod go mod tidy there)" >&2
	exit 2
fi
sum_hash=$(cat "$here/istiodbin/go.mod" "$here/istiodbin/go.sum" | sha256sum | cut -c1-12)
bin="$cache_root/istiod-${version}_${sum_hash}/bin"
out="$bin/pilot-discovery"

if [ -x "$out" ]; then
	log "cached: $out"
	echo "$out"
	exit 0
fi

log "building pilot-discovery ${version} into $bin (cold: 28 minutes measured on a shared 2-core machine; a relink with a warm Go cache about 1 minute)"
tmp="$cache_root/istiod-${version}_${sum_hash}/tmp.$$"
mkdir -p "$tmp"
(while sleep 30; do log "still building..."; done) &
beat=$!
trap 'kill $beat 2>/dev/null; rm -rf "$tmp"' EXIT

export CGO_ENABLED=0 GOFLAGS=-mod=mod
(cd "$here/istiodbin" && go build -trimpath \
	-ldflags "-s -w -X istio.io/istio/pkg/version.buildVersion=${version} -X istio.io/istio/pkg/version.buildStatus=Clean" \
	-o "$tmp/pilot-discovery" istio.io/istio/pilot/cmd/pilot-discovery)

mkdir -p "$bin"
mv -f "$tmp/pilot-discovery" "$out"
log "done: $out"
echo "$out"
