//go:build tools

// Package tools keeps pilot-discovery in this wrapper module's dependency graph
// so that `go mod tidy` does not drop it.
package tools

import (
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
