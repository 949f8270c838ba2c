// Command sandbox runs meshwiz's loopback test bed in the background for
// people: two or three real clusters (east, west, north) on 127.0.0.1 that
// kubectl and meshwiz can talk to.
//
//	go run ./hack/sandbox up [--clusters 3] [--dir ~/.cache/meshwiz/sandbox]
//	go run ./hack/sandbox status [--dir ...]
//	go run ./hack/sandbox down [--dir ...]
//
// "up" builds or finds the binaries, re-executes itself as a detached daemon
// ("serve") that starts the bed and keeps the fake load-balancer assigner
// running, waits until the bed is ready and prints the KUBECONFIG line. It is
// idempotent. The daemon also runs the real istiod (pilot-discovery) as a
// local process for every cluster where an istiod Deployment appears, and
// stops it when the Deployment goes; "status" lists them. "down" stops the daemon, kills any process still recorded in
// <dir>/pids and removes <dir>. Everything listens on and talks to loopback
// only (see internal/testbed).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// errNotUp makes status exit 1 (after printing the state) when the sandbox
// is not up, so that scripts can test it.
var errNotUp = errors.New("not up")

func main() {
	if err := run(os.Args[1:]); err != nil {
		if !errors.Is(err, errNotUp) {
			fmt.Fprintln(os.Stderr, "sandbox:", err)
		}
		os.Exit(1)
	}
}

func usage() error {
	return errors.New("usage: sandbox up [--clusters N] [--dir DIR] [--bin DIR] [--istiod-bin FILE] | status [--dir DIR] | down [--dir DIR]")
}

func run(args []string) error {
	if len(args) == 0 {
		return usage()
	}
	home, _ := os.UserHomeDir()
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	dir := fs.String("dir", filepath.Join(home, ".cache", "meshwiz", "sandbox"), "sandbox state directory")
	clusters := fs.Int("clusters", 3, "number of clusters (1-3): east, west, north")
	binDir := fs.String("bin", "", "bin directory with the test-bed binaries (default: build or reuse them)")
	istiodBin := fs.String("istiod-bin", "", "the real istiod (pilot-discovery) binary (default: build or reuse it)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usage()
	}
	d, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		return up(d, *clusters, *binDir, *istiodBin)
	case "serve":
		return serve(d, *clusters, *binDir, *istiodBin)
	case "status":
		return status(d)
	case "down":
		return down(d)
	default:
		return usage()
	}
}
