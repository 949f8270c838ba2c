#!/usr/bin/env bash
# ensure-go.sh prints the path of a Go toolchain (1.26 or newer) to use. If no
# suitable `go` is on PATH it downloads the toolchain from the Go module proxy
# (golang.org/toolchain), the only place this project's machines reach, into
# the meshwiz cache. Progress goes to stderr; the go binary path to stdout.
set -euo pipefail

GO_WANT=1.26.8
cache=${XDG_CACHE_HOME:-$HOME/.cache}/meshwiz/go${GO_WANT}

ok() { # ok GO: does GO run and report >= 1.26?
	local v
	v=$("$1" env GOVERSION 2>/dev/null) || return 1
	v=${v#go}
	local major=${v%%.*} rest=${v#*.}
	local minor=${rest%%.*}
	[ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "${minor%%[!0-9]*}" -ge 26 ]; }
}

for cand in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$cache/go/bin/go"; do
	if [ -n "$cand" ] && [ -x "$cand" ] && ok "$cand"; then
		echo "$cand"
		exit 0
	fi
done

os=$(uname -s | tr '[:upper:]' '[:lower:]')
arch=$(uname -m)
case $arch in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; esac
proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%,*}
url="$proxy/golang.org/toolchain/@v/v0.0.1-go${GO_WANT}.${os}-${arch}.zip"
echo "ensure-go: no Go >= 1.26 found; downloading go${GO_WANT} from $url" >&2
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fSL --progress-bar -o "$tmp/go.zip" "$url" >&2
unzip -q "$tmp/go.zip" -d "$tmp/x"
# The toolchain module unpacks as golang.org/toolchain@.../{bin,src,...}.
rm -rf "$cache/go"
mv "$tmp"/x/golang.org/toolchain@*/ "$cache/go"
chmod +x "$cache/go/bin/"* "$cache/go/pkg/tool/"*/* 2>/dev/null || true
echo "$cache/go/bin/go"
