package testbed

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// KeepEnv names the environment variable that keeps the work directory of
// the bed started by Main (MESHWIZ_TESTBED_KEEP=1).
const KeepEnv = "MESHWIZ_TESTBED_KEEP"

// mainStartTimeout bounds Start in Main, including a cold build of the
// binaries (about 5-6 minutes on two cores).
const mainStartTimeout = 15 * time.Minute

var shared atomic.Pointer[Bed]

// Shared returns the bed started by Main for this test binary, or nil when
// Main is not used.
func Shared() *Bed { return shared.Load() }

// MustShared returns the bed Main started, and fails tb when there is none
// (the package's TestMain does not call Main).
func MustShared(tb testing.TB) *Bed {
	tb.Helper()
	b := Shared()
	if b == nil {
		tb.Fatal("testbed.Shared() is nil although TestMain uses testbed.Main")
	}
	return b
}

// Main is for TestMain: it finds the binaries (building them if needed),
// starts the bed described by opts, exposes it through Shared, runs the
// tests, stops the bed and exits with the tests' code. It never skips: if
// the bed cannot start, it prints the reason and exits 1. When tests fail,
// the component logs are kept and their directory is printed. Without
// opts.Logf, progress goes to stderr (shown by go test -v or on failure).
// A fuzz run (-test.fuzz set; run it with -run '^$') starts no bed.
func Main(m *testing.M, opts Options) {
	if fuzzing() {
		// A fuzz run (go test -run '^$' -fuzz F) exercises parsers only:
		// starting clusters for it would cost more than the run.
		os.Exit(m.Run())
	}
	os.Exit(runMain(m, opts))
}

// fuzzing reports whether the test binary was asked to fuzz (-test.fuzz).
func fuzzing() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

func runMain(m *testing.M, opts Options) int {
	t0 := time.Now()
	if opts.Logf == nil {
		opts.Logf = func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "testbed [%5.1fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, args...))
		}
	}
	if os.Getenv(KeepEnv) != "" {
		opts.Keep = true
	}
	if opts.BinDir == "" {
		dir, err := Binaries()
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: testbed: cannot get the binaries: %v\n", err)
			return 1
		}
		opts.BinDir = dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), mainStartTimeout)
	defer cancel()
	started := time.Now()
	bed, err := Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: testbed: the test bed did not start: %v\n", err)
		return 1
	}
	opts.Logf("bed started in %.1fs (%s)", time.Since(started).Seconds(), bed.Dir)
	shared.Store(bed)

	// Ctrl-C or SIGTERM: stop the children and clean up before dying.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		fmt.Fprintf(os.Stderr, "testbed: %v: stopping the test bed\n", sig)
		_ = bed.Stop()
		os.Exit(1)
	}()

	code := m.Run()
	signal.Stop(sigs)
	close(sigs)
	if code != 0 {
		bed.keepLogs = true
	}
	stopStart := time.Now()
	err = bed.Stop()
	opts.Logf("bed stopped in %.1fs", time.Since(stopStart).Seconds())
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbed: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	if code != 0 && bed.removeDir {
		fmt.Fprintf(os.Stderr, "testbed: component logs kept in %s/logs\n", bed.Dir)
	}
	return code
}
