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
# checks, the wizard - runs with -race. They are listed longest first: go test
# starts them in this order, two at a time, so the longest is not left to run
# alone at the end.
helm_pkgs="internal/verify internal/install cmd/meshwiz internal/teardown e2e internal/status internal/charts"
module=$(go list -m)
race_pkgs=()
plain_pkgs=()
for rel in $helm_pkgs; do
	plain_pkgs+=("$module/$rel")
done
for p in $(go list ./...); do
	rel=${p#"$module"/}
	if [[ " $helm_pkgs " != *" $rel "* ]]; then
		race_pkgs+=("$p")
	fi
done

# The real binary, built once for the packages that run it (cmd/meshwiz's
# exit-code tests and the end-to-end test): see testbed.MeshwizBinary.
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
echo "== go build meshwiz (for the tests that run the real binary)" >&2
go build -o "$bindir/meshwiz" ./cmd/meshwiz
export MESHWIZ_BIN="$bindir/meshwiz"

# The two runs overlap: the Helm-install packages spend much of their time
# waiting on apiservers, watches and the real istiod, and the race-detector
# packages (one at a time) fill that time. Each run prints a package's output
# when the package ends.
echo "== go test -race (${#race_pkgs[@]} packages, one at a time) beside go test of the Helm-install packages: ${plain_pkgs[*]#"$module"/}" >&2
go test -race -p 1 -timeout 20m "$@" "${race_pkgs[@]}" &
race_pid=$!
plain_rc=0
go test -timeout 20m "$@" "${plain_pkgs[@]}" || plain_rc=$?
race_rc=0
wait "$race_pid" || race_rc=$?
if [ "$race_rc" != 0 ] || [ "$plain_rc" != 0 ]; then
	echo "FAIL: go test -race exit $race_rc, go test (Helm-install packages) exit $plain_rc" >&2
	exit 1
fi
