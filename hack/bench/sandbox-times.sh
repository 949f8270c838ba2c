#!/usr/bin/env bash
# sandbox-times.sh measures `meshwiz setup` and `meshwiz teardown --purge-crds`
# on the running sandbox (make sandbox), multi-primary on one network, for 2
# and 3 clusters, median of RUNS (default 3), for each meshwiz binary given
# (e.g. an older build, to compare before/after on the same machine and in
# the same minutes; runs alternate between the binaries). Each setup starts
# from clusters without istio-system (deleted with kubectl), so each teardown
# has the namespace to delete unless it keeps it; read its "Left behind".
#
#   hack/bench/sandbox-times.sh bin/meshwiz [/tmp/meshwiz-before]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MESHWIZ_BINARY [MORE_BINARIES...]" >&2; exit 2; }
export KUBECONFIG=${KUBECONFIG:-$HOME/.cache/meshwiz/sandbox/kubeconfig}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

config() { # config FILE CONTEXT...
	local f=$1; shift
	{
		echo "apiVersion: meshwiz.dev/v1alpha1"
		echo "kind: Mesh"
		echo "meshID: mesh1"
		echo "model: multi-primary"
		echo "clusters:"
		for c in "$@"; do echo "  - context: $c"; done
		echo "security:"
		echo "  ca:"
		echo "    mode: generate"
		echo "    dir: $work/certs"
	} >"$f"
}

timed() { # timed OUTVAR CMD... : wall seconds of CMD, which must succeed
	local __v=$1; shift
	local t0 t1
	t0=$(date +%s.%N)
	if ! "$@" >"$work/out" 2>&1; then
		echo "failed: $*" >&2
		tail -20 "$work/out" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	printf -v "$__v" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')"
}

# fresh: no istio-system in the clusters, so that every setup creates it and
# every teardown deletes it (a namespace kept by an earlier binary would make
# later teardowns skip the namespace deletion). Needs kubectl.
fresh() {
	for c in "$@"; do
		kubectl --context "$c" delete namespace istio-system --ignore-not-found --wait=true >/dev/null
	done
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

for n in 2 3; do
	ctxs=(east west north)
	ctxs=("${ctxs[@]:0:$n}")
	cfg="$work/mesh-$n.yaml"
	config "$cfg" "${ctxs[@]}"
	ctxflags=()
	for c in "${ctxs[@]}"; do ctxflags+=(--context "$c"); done
	# Warm-up: generates the CA once (not part of the measurement) and leaves clean clusters.
	timed _ "$1" setup --config "$cfg" --yes --allow-loopback-servers
	timed _ "$1" teardown --yes --purge-crds "${ctxflags[@]}"
	declare -A su=() td=()
	for i in $(seq "$runs"); do
		for bin in "$@"; do
			fresh "${ctxs[@]}"
			timed s "$bin" setup --config "$cfg" --yes --allow-loopback-servers
			timed d "$bin" teardown --yes --purge-crds "${ctxflags[@]}"
			su[$bin]+="$s "
			td[$bin]+="$d "
		done
	done
	for bin in "$@"; do
		# shellcheck disable=SC2086
		printf '%d clusters  %-40s setup %5ss (runs: %s)  teardown %5ss (runs: %s)\n' "$n" "$bin" \
			"$(median ${su[$bin]})" "${su[$bin]% }" "$(median ${td[$bin]})" "${td[$bin]% }"
	done
	unset su td
done
