// Command testrun is the test runner behind hack/test.sh. It builds the test
// binary of every package and runs the binaries itself, in lanes, instead of
// `go test ./...`:
//
//   - go test runs at most -p programs at once, and a link is one of them: while
//     two integration packages wait on their apiservers, the next package's
//     link (several CPU-seconds: Helm and client-go) waits for a slot. Here
//     the binaries are built first, with one go test -c per kind (plain,
//     -race) for all packages: each go command loads the whole package graph
//     (~1.5 CPU-s) even when nothing links. The binaries go to a directory
//     kept between runs, where Go's build-ID check skips the link of a
//     current binary. If a batch fails, its packages are built one by one so
//     each failure names its package.
//   - Lanes claim the next package from one ordered list (longest first), so
//     no lane sits idle while another has a queue. Two lanes run any package;
//     one more runs only the race-detector packages (they are light on the
//     apiservers), so at most three test binaries run at once and at most two
//     of them install Istio.
//   - The results are never cached: the integration tests depend on processes
//     and ports go test's cache cannot see (every run is a -count=1 run).
//
// Output is go test's: "ok  pkg  12.3s" per package, a package's whole output
// when it fails or with -v, then FAIL and exit 1 if any package failed or did
// not build. go test flags after "--" are passed as -test.* flags (-v, -run X,
// -timeout 5m, ...). A last job (-then, e.g. the fuzz block) runs once every
// race package is claimed, in whichever lane is free.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "directory for the test binaries (required)")
	race := flag.String("race", "", "packages whose tests run with -race, space-separated, longest first")
	plain := flag.String("plain", "", "packages whose tests run without -race, space-separated, longest first")
	then := flag.String("then", "", "shell command run as the last job (e.g. the fuzz block)")
	lanes := flag.Int("lanes", 2, "lanes that run any package (one more runs race packages only)")
	timeout := flag.Duration("timeout", 20*time.Minute, "per-package test timeout (-test.timeout)")
	flag.Parse()
	if *bin == "" || (*race == "" && *plain == "") || *lanes < 1 {
		fmt.Fprintln(os.Stderr, "usage: testrun -bin DIR [-race 'pkgs'] [-plain 'pkgs'] [-then CMD] [-lanes N] [-- go test flags]")
		os.Exit(2)
	}
	testFlags, err := TestFlags(flag.Args())
	if err != nil {
		fmt.Fprintf(os.Stderr, "testrun: %v\n", err)
		os.Exit(2)
	}
	if !hasFlag(testFlags, "-test.timeout") {
		testFlags = append(testFlags, "-test.timeout="+timeout.String())
	}
	jobs, err := listJobs(*bin, strings.Fields(*plain), strings.Fields(*race))
	if err != nil {
		fmt.Fprintf(os.Stderr, "testrun: %v\n", err)
		os.Exit(1)
	}
	if err := pruneStale(*bin, jobs); err != nil {
		fmt.Fprintf(os.Stderr, "testrun: removing stale test binaries: %v\n", err)
		os.Exit(1)
	}
	r := newRun(jobs, *then, testFlags, *lanes)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		fmt.Fprintf(os.Stderr, "testrun: %v: stopping the test binaries (they stop their beds)\n", sig)
		r.stop(sig)
	}()

	failed := r.run()
	r.printTimeline(os.Stderr)
	if len(failed) > 0 {
		fmt.Printf("FAIL: %s\n", strings.Join(failed, ", "))
		os.Exit(1)
	}
}

// valueFlags are go test's flags that take a value, as in `-run X`.
var valueFlags = map[string]bool{
	"run": true, "skip": true, "count": true, "timeout": true, "bench": true, "benchtime": true,
	"cpu": true, "parallel": true, "shuffle": true, "list": true, "memprofile": true, "cpuprofile": true,
}

// boolFlags are go test's flags that take no value.
var boolFlags = map[string]bool{"v": true, "short": true, "failfast": true, "benchmem": true, "fullpath": true}

// TestFlags turns go test flags (-v, -run X, -run=X, -count 1, ...) into the
// test binary's -test.* flags. -count is kept (a binary honours it); go test's
// own build flags (-race, -tags, ...) are refused: this runner decides them.
func TestFlags(args []string) ([]string, error) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name == "" {
			return nil, fmt.Errorf("%q is not a go test flag (pass packages' tests through make test's flags, e.g. -run TestX)", a)
		}
		name = strings.TrimPrefix(name, "test.")
		switch {
		case boolFlags[name]:
			out = append(out, "-test."+name+optional(value, hasValue))
		case valueFlags[name]:
			if !hasValue {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag %s needs a value", a)
				}
				i++
				value = args[i]
			}
			out = append(out, "-test."+name+"="+value)
		default:
			return nil, fmt.Errorf("flag %s is not one this runner passes to test binaries (supported: -v -run -skip -count -timeout -short -failfast -bench ...)", a)
		}
	}
	return out, nil
}

func optional(value string, has bool) string {
	if !has {
		return ""
	}
	return "=" + value
}

func hasFlag(flags []string, name string) bool {
	for _, f := range flags {
		if f == name || strings.HasPrefix(f, name+"=") {
			return true
		}
	}
	return false
}
