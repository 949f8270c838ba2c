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
go build -ldflags=-w -o "$bindir/meshwiz" ./cmd/meshwiz
export MESHWIZ_BIN="$bindir/meshwiz"

# Test binaries are linked without DWARF (-ldflags=-w: stack traces keep
# their file:line, debuggers lose variables): linking is a large part of the
# suite's CPU (Helm, client-go), and DWARF a third of each link (teardown's
# test binary: 18 CPU-s with it, 12 without).

# Fuzz (issue 13): every parser of outside input (mesh.yaml, PEM/CA files,
# kubeconfigs, --include, --server/--name) runs for FUZZTIME (default 3 s)
# under Go's fuzzer, i.e. go test -run '^$' -fuzz '^FuzzX$' -fuzztime 3s per
# target; their seeds and testdata/fuzz corpora already ran above as ordinary
# tests. Targets are found by name, so a new Fuzz function joins by itself.
# Each package is built once, fuzz-instrumented and without DWARF (-w), and
# all its targets run from that binary: linking the kube and teardown test
# binaries (Helm, client-go) is most of the cost. No test bed, no -race.
# It runs after the -race packages, beside the Helm-install ones; set -e does
# not apply inside it (it runs in an && list), so every failure returns 1.
fuzz_all() {
	echo "== fuzz" >&2
	FUZZTIME=${FUZZTIME:-3s}
	fuzzbin="$bindir"
	fuzzcache="$(go env GOCACHE)/fuzz"
	inputs() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }
	for dir in $(grep -rlE --include='*_test.go' '^func Fuzz' cmd internal e2e | xargs -n1 dirname | sort -u); do
		go test -c -fuzz . -ldflags=-w -o "$fuzzbin/fuzz.test" "./$dir" || return 1
		pkg=$(go list "./$dir") || return 1
		for target in $(grep -hoE '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort); do
			echo "-- $target ($dir)" >&2
			corpus="$dir/testdata/fuzz/$target"
			before=$(inputs "$corpus")
			if ! (cd "$dir" && "$fuzzbin/fuzz.test" -test.run '^$' -test.fuzz "^${target}\$" -test.fuzztime "$FUZZTIME" \
				-test.fuzzcachedir "$fuzzcache/$pkg" </dev/null) 2>&1 | tee "$fuzzbin/log"; then
				# Go 1.26's coordinator can report its own -fuzztime deadline as
				# a failure ("context deadline exceeded", no input written) when
				# the machine is loaded: go.dev/issue/75804, fixed in Go 1.27. A
				# real failure always writes its input to testdata/fuzz.
				if grep -qx '    context deadline exceeded' "$fuzzbin/log" && [ "$(inputs "$corpus")" = "$before" ]; then
					echo "-- $target: the fuzz coordinator's deadline race (go.dev/issue/75804), no failing input: passed" >&2
				else
					return 1
				fi
			fi
		done
	done
}

# The two runs overlap: the Helm-install packages spend much of their time
# waiting on apiservers, watches and the real istiod, and the race-detector
# packages (one at a time), then the fuzz block, fill that time. Each run
# prints a package's output when the package ends.
echo "== go test -race (${#race_pkgs[@]} packages, one at a time, then the fuzz block) beside go test of the Helm-install packages: ${plain_pkgs[*]#"$module"/}" >&2
(go test -race -p 1 -ldflags=-w -timeout 20m "$@" "${race_pkgs[@]}" && fuzz_all) &
race_pid=$!
plain_rc=0
go test -ldflags=-w -timeout 20m "$@" "${plain_pkgs[@]}" || plain_rc=$?
race_rc=0
wait "$race_pid" || race_rc=$?
if [ "$race_rc" != 0 ] || [ "$plain_rc" != 0 ]; then
	echo "FAIL: go test -race and fuzz exit $race_rc, go test (Helm-install packages) exit $plain_rc" >&2
	exit 1
fi
