#!/usr/bin/env bash
# demo.sh starts the sandbox clusters (3 loopback Kubernetes clusters: east,
# west, north) if they are not running, then opens meshwiz on them. The
# clusters keep running afterwards; `make sandbox-down` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=$(hack/ensure-go.sh)
export PATH="$(dirname "$GO"):$PATH"
MESHWIZ_TESTBED_BIN=$(hack/testbed/build.sh | tail -n 1)
export MESHWIZ_TESTBED_BIN
# The sandbox runs the real istiod wherever setup installs one (meshwiz verify).
MESHWIZ_ISTIOD_BIN=$(hack/testbed/build-istiod.sh | tail -n 1)
export MESHWIZ_ISTIOD_BIN
# cgo off, as hack/test.sh builds: one build cache serves the demo and the tests.
export CGO_ENABLED=0

echo "== sandbox clusters" >&2
out=$(go run ./hack/sandbox up --bin "$MESHWIZ_TESTBED_BIN" --istiod-bin "$MESHWIZ_ISTIOD_BIN" | tee /dev/stderr)
kubeconfig=$(printf '%s\n' "$out" | sed -n 's/^export KUBECONFIG=//p' | tail -n 1)
[ -n "$kubeconfig" ] || { echo "demo: the sandbox did not report its KUBECONFIG" >&2; exit 1; }
go build -o bin/meshwiz ./cmd/meshwiz
KUBECONFIG=$kubeconfig bin/meshwiz "$@"
echo
echo "The sandbox clusters are still running. Use them with:"
echo "  export KUBECONFIG=$kubeconfig"
echo "Stop them with: make sandbox-down"
