#!/usr/bin/env bash
# test.sh is the project's one test command (`make test`, called by .ci/run):
# it builds or reuses the test-bed binaries (real kube-apiserver, etcd, kwok,
# ...), then runs gofmt, go vet and every test with the race detector,
# including the integration tests against real loopback clusters.
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
go vet -race ./...  # -race: its compiled dependencies are the ones go test -race reuses

echo "== go test -race ./..." >&2
go test -race -timeout 25m "$@" ./...
