#!/usr/bin/env bash
# test.sh is the project's one test command (`make test`, called by .ci/run):
# it builds or reuses the test-bed binaries (real kube-apiserver, etcd, kwok,
# ...), then runs gofmt, go vet and every test, including the integration
# tests against real loopback clusters: with the race detector, except the
# packages that install Istio with Helm (see below).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=$(hack/ensure-go.sh)
export PATH="$(dirname "$GO"):$PATH"
echo "== go: $(go version)" >&2

echo "== test-bed binaries" >&2
MESHWIZ_TESTBED_BIN=$(hack/testbed/build.sh | tail -n 1)
export MESHWIZ_TESTBED_BIN

# issue 11: the real istiod (pilot-discovery) the integration tests run per
# primary; built from the Go module proxy once, cached by version.
echo "== istiod (pilot-discovery) for the test bed" >&2
MESHWIZ_ISTIOD_BIN=$(hack/testbed/build-istiod.sh | tail -n 1)
export MESHWIZ_ISTIOD_BIN

echo "== tmux (the end-to-end test runs meshwiz in a tmux pane)" >&2
if ! command -v tmux >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; }
	else
		echo "tmux is missing: install it (Debian: apt-get install tmux)" >&2
		exit 1
	fi
fi
tmux -V >&2

# Everything below builds with cgo off except the race detector, which needs
# it: a dependency (kustomize, through Helm) imports Go's plugin package,
# which with cgo on makes every binary link through the external linker
# (gcc/ld: as much CPU again as Go's own link). make demo and make build
# build the same way, so the build cache serves all three.
export CGO_ENABLED=0

echo "== gofmt" >&2
unformatted=$(gofmt -l $(git ls-files -co --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet ./..." >&2
go vet ./...

# The packages whose tests install real Istio releases with Helm on the test
# bed, or render its charts, run without the race detector: Helm gzips,
# base64s and YAML-parses the 1 MB istio-base release on every render,
# install, upgrade and uninstall, and under -race that costs 5-7x (istio-base
# alone: 3.2 s plain, 13-21 s with -race on the same machine). Every other
# package - the engine (internal/steps), the waits (internal/await), the
# checks, the wizard - runs with -race. Both lists go longest first (times of
# a warm run are in the README): hack/testrun starts them in this order.
helm_pkgs="internal/teardown internal/install cmd/meshwiz internal/verify e2e internal/status internal/charts"
race_first="internal/testbed internal/checks internal/tui internal/kube internal/action"
module=$(go list -m)
race_pkgs=()
plain_pkgs=()
for rel in $helm_pkgs; do
	plain_pkgs+=("$module/$rel")
done
for rel in $race_first; do
	race_pkgs+=("$module/$rel")
done
for p in $(go list ./...); do
	rel=${p#"$module"/}
	if [[ " $helm_pkgs $race_first " != *" $rel "* ]]; then
		race_pkgs+=("$p")
	fi
done

# The real binary, built once for the packages that run it (cmd/meshwiz's
# exit-code tests and the end-to-end test): see testbed.MeshwizBinary.
# Binaries go to a directory kept between runs, one per clone: go build -o
# and go test -c do not link again when the file there already carries the
# build ID of what they would link (Go's own up-to-date check, sound for any
# change of source, flags or toolchain), so a run after a small change links
# only what the change reaches. Links were ~150 CPU-s of a warm run.
bindir=${MESHWIZ_TESTBIN:-${XDG_CACHE_HOME:-$HOME/.cache}/meshwiz/testbin/$(pwd -P | sha256sum | cut -c1-12)}
mkdir -p "$bindir/tests" "$bindir/fuzz"
bindir=$(cd "$bindir" && pwd -P) # absolute: hack/fuzz.sh runs its binaries from package directories
echo "== go build meshwiz (for the tests that run the real binary) and the test runner" >&2
go build -ldflags=-w -o "$bindir/meshwiz" ./cmd/meshwiz
go build -o "$bindir/testrun" ./hack/testrun
export MESHWIZ_BIN="$bindir/meshwiz"

# hack/testrun (see its doc) builds the test binaries with one go test -c per
# kind (plain, -race) and runs them in three lanes: two take any package
# (Helm-install ones first), one takes only the -race packages, so at most
# two packages install Istio at once. Test binaries are linked without DWARF (-ldflags=-w: stack
# traces keep their file:line, debuggers lose variables): linking is a large
# part of the suite's CPU (Helm, client-go). Every run runs every test: the
# integration tests depend on processes go test's result cache cannot see.
# The fuzz block (hack/fuzz.sh) is the last job, started once every -race
# package has a lane (beside the last Helm-install packages).
echo "== go test: ${#plain_pkgs[@]} packages without -race (${plain_pkgs[*]#"$module"/}), ${#race_pkgs[@]} with -race, then the fuzz block" >&2
FUZZBIN="$bindir/fuzz" "$bindir/testrun" -bin "$bindir/tests" -plain "${plain_pkgs[*]}" -race "${race_pkgs[*]}" \
	-then hack/fuzz.sh -- "$@"
