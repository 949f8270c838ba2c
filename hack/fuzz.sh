#!/usr/bin/env bash
# Fuzz (issue 13): every parser of outside input (mesh.yaml, PEM/CA files,
# kubeconfigs, --include, --server/--name) runs for FUZZTIME (default 3 s)
# under Go's fuzzer, i.e. go test -run '^$' -fuzz '^FuzzX$' -fuzztime 3s per
# target; their seeds and testdata/fuzz corpora already ran above as ordinary
# tests. Targets are found by name, so a new Fuzz function joins by itself.
# Each package is built once, fuzz-instrumented and without DWARF (-w), and
# all its targets run from that binary: linking the kube and teardown test
# binaries (Helm, client-go) is most of the cost. No test bed, no -race.
# hack/testrun runs it as its last job, once every -race package has a lane.
# Usage: FUZZBIN=dir hack/fuzz.sh (dir for the fuzz binaries and logs; a
# binary already there is reused when its build ID is current).
set -uo pipefail
cd "$(dirname "$0")/.."

echo "== fuzz" >&2
FUZZTIME=${FUZZTIME:-3s}
# One fuzz worker per target (Go's default is one per core): the block runs
# beside the last integration packages on a CPU-bound 2-core machine, where a
# second worker only takes CPU from them. FUZZPARALLEL=N for more.
FUZZPARALLEL=${FUZZPARALLEL:-1}
fuzzbin="${FUZZBIN:?FUZZBIN: a directory for the fuzz binaries}"
fuzzcache="$(go env GOCACHE)/fuzz"
inputs() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }
dirs=$(grep -rlE --include='*_test.go' '^func Fuzz' cmd internal e2e | xargs -n1 dirname | sort -u)
binof() { echo "$fuzzbin/$(echo "$1" | tr / _).test"; } # one per package: kept, relinked only when stale
# The directory is kept between runs: a package without fuzz targets now
# leaves no binary behind.
for f in "$fuzzbin"/*.test; do
	[ -e "$f" ] || continue
	keep=
	for dir in $dirs; do [ "$f" = "$(binof "$dir")" ] && keep=1; done
	[ -n "$keep" ] || rm -f "$f"
done
for dir in $dirs; do
	bin=$(binof "$dir")
	go test -c -fuzz . -ldflags=-w -o "$bin" "./$dir" || exit 1
	pkg=$(go list "./$dir") || exit 1
	for target in $(grep -hoE '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort); do
		echo "-- $target ($dir)" >&2
		corpus="$dir/testdata/fuzz/$target"
		before=$(inputs "$corpus")
		if ! (cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^${target}\$" -test.fuzztime "$FUZZTIME" -test.parallel "$FUZZPARALLEL" \
			-test.fuzzcachedir "$fuzzcache/$pkg" </dev/null) 2>&1 | tee "$fuzzbin/log"; then
			# Go 1.26's coordinator can report its own -fuzztime deadline as
			# a failure ("context deadline exceeded", no input written) when
			# the machine is loaded: go.dev/issue/75804, fixed in Go 1.27. A
			# real failure always writes its input to testdata/fuzz.
			if grep -qx '    context deadline exceeded' "$fuzzbin/log" && [ "$(inputs "$corpus")" = "$before" ]; then
				echo "-- $target: the fuzz coordinator's deadline race (go.dev/issue/75804), no failing input: passed" >&2
			else
				exit 1
			fi
		fi
	done
done
