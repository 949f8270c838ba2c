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
// idempotent. "down" stops the daemon, kills any process still recorded in
// <dir>/pids and removes <dir>. Everything listens on and talks to loopback
// only (see internal/testbed).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// State files in the sandbox directory.
const (
	markerFile = ".meshwiz-sandbox" // proves the directory is ours before down removes it
	lockName   = ".lock"            // serializes up and down
	daemonPID  = "daemon.pid"
	readyFile  = "ready"
	failedFile = "failed"
	logFile    = "sandbox.log"
)

const upTimeout = 120 * time.Second

// errNotUp makes status exit 1 (after printing the state) when the sandbox
// is not up, so that scripts can test it.
var errNotUp = errors.New("not up")

var clusterNames = []string{"east", "west", "north"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		if !errors.Is(err, errNotUp) {
			fmt.Fprintln(os.Stderr, "sandbox:", err)
		}
		os.Exit(1)
	}
}

func usage() error {
	return errors.New("usage: sandbox up [--clusters N] [--dir DIR] | status [--dir DIR] | down [--dir DIR]")
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
		return up(d, *clusters, *binDir)
	case "serve":
		return serve(d, *clusters, *binDir)
	case "status":
		return status(d)
	case "down":
		return down(d)
	default:
		return usage()
	}
}

// up starts the daemon unless it already runs, then waits for ready/failed.
func up(dir string, n int, binDir string) error {
	if n < 1 || n > len(clusterNames) {
		return fmt.Errorf("--clusters %d: use 1 to %d", n, len(clusterNames))
	}
	if err := checkOwnDir(dir); err != nil {
		return err
	}
	unlock, err := lock(dir)
	if err != nil {
		return err
	}
	locked := true
	defer func() {
		if locked {
			unlock()
		}
	}()
	if pid, alive := daemonAlive(dir); alive {
		if fileExists(filepath.Join(dir, readyFile)) {
			fmt.Printf("sandbox already up (daemon pid %d)\n", pid)
			return printReady(dir)
		}
		fmt.Printf("sandbox is starting (daemon pid %d); waiting\n", pid)
		unlock()
		locked = false
		return waitReady(dir, pid)
	}
	if fileExists(filepath.Join(dir, markerFile)) {
		fmt.Println("cleaning up the state of a previous sandbox")
		if err := stopAndRemove(dir); err != nil {
			return err
		}
	}
	if binDir == "" {
		if binDir, err = testbed.Binaries(); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, markerFile), nil, 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(self, "serve", "--dir", dir, "--clusters", strconv.Itoa(n), "--bin", binDir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the daemon: %w", err)
	}
	pid := cmd.Process.Pid
	if err := os.WriteFile(filepath.Join(dir, daemonPID), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return err
	}
	_ = cmd.Process.Release()
	unlock()
	locked = false
	fmt.Printf("starting %d cluster(s) in the background (daemon pid %d, log %s)\n", n, pid, filepath.Join(dir, logFile))
	return waitReady(dir, pid)
}

// waitReady waits for the daemon's ready or failed file, printing progress.
func waitReady(dir string, pid int) error {
	deadline := time.Now().Add(upTimeout)
	printed := 0
	for time.Now().Before(deadline) {
		printed = echoNewLines(filepath.Join(dir, logFile), printed)
		if data, err := os.ReadFile(filepath.Join(dir, failedFile)); err == nil {
			return fmt.Errorf("the sandbox did not start:\n%s", data)
		}
		if fileExists(filepath.Join(dir, readyFile)) {
			return printReady(dir)
		}
		if !pidAlive(pid) {
			return fmt.Errorf("the daemon (pid %d) died; see %s", pid, filepath.Join(dir, logFile))
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v; see %s (stop with: go run ./hack/sandbox down)", upTimeout, filepath.Join(dir, logFile))
}

// echoNewLines prints the log's lines after the first `from` ones and
// returns the new count.
func echoNewLines(path string, from int) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return from
	}
	lines := strings.SplitAfter(string(data), "\n")
	n := 0
	for _, l := range lines {
		if !strings.HasSuffix(l, "\n") {
			break // incomplete last line
		}
		if n >= from {
			fmt.Print("  ", l)
		}
		n++
	}
	return n
}

func printReady(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, readyFile))
	if err != nil {
		return err
	}
	fmt.Print(string(data))
	return nil
}

// serve is the daemon: it starts the bed, reports ready or failed, and stops
// the bed on SIGTERM or SIGINT.
func serve(dir string, n int, binDir string) error {
	// Signals are caught from the start. While the bed starts, one cancels
	// the start; afterwards, one stops the bed.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	signal.Ignore(syscall.SIGHUP)
	ctx, cancel := context.WithTimeout(context.Background(), upTimeout)
	defer cancel()
	var interrupted atomic.Bool
	started := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case sig := <-sigs:
			fmt.Printf("%v while starting: giving up\n", sig)
			interrupted.Store(true)
			cancel()
		case <-started:
		}
	}()
	specs := make([]testbed.ClusterSpec, n)
	for i := range specs {
		specs[i] = testbed.ClusterSpec{Name: clusterNames[i]}
	}
	specs[0].RestrictedUser = true
	t0 := time.Now()
	bed, err := testbed.Start(ctx, testbed.Options{
		Clusters: specs,
		BinDir:   binDir,
		Dir:      dir,
		Detached: true,
		Logf: func(format string, args ...any) {
			fmt.Printf("[%5.1fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, args...))
		},
	})
	close(started)
	<-watcher
	if err == nil && interrupted.Load() {
		err = errors.Join(errors.New("interrupted"), bed.Stop())
	}
	if err != nil {
		_ = os.WriteFile(filepath.Join(dir, failedFile), []byte(err.Error()+"\n"), 0o644)
		return err
	}

	var b strings.Builder
	fmt.Fprintf(&b, "export KUBECONFIG=%s\n", bed.Kubeconfig)
	fmt.Fprintf(&b, "contexts:\n")
	for _, c := range bed.Clusters {
		fmt.Fprintf(&b, "  %-8s %s  pods %s  services %s  load balancers %s\n", c.Context, c.Server,
			c.PodCIDR, c.ServiceCIDR, testbed.LoadBalancerIP(c.Index(), 0)+"/24")
		if c.RestrictedContext != "" {
			fmt.Fprintf(&b, "  %-8s same cluster; a user that may only get/list pods in default\n", c.RestrictedContext)
		}
	}
	fmt.Fprintf(&b, "all addresses are loopback; stop with: go run ./hack/sandbox down\n")
	if err := os.WriteFile(filepath.Join(dir, readyFile), []byte(b.String()), 0o644); err != nil {
		_ = bed.Stop()
		return err
	}
	fmt.Printf("ready in %.1fs\n", time.Since(t0).Seconds())

	sig := <-sigs
	fmt.Printf("%v: stopping\n", sig)
	_ = os.Remove(filepath.Join(dir, readyFile))
	if err := bed.Stop(); err != nil {
		return err
	}
	fmt.Println("stopped")
	return nil
}

// status reports whether the sandbox is up; it fails unless it is.
func status(dir string) error {
	pid, alive := daemonAlive(dir)
	switch {
	case alive && fileExists(filepath.Join(dir, readyFile)):
		fmt.Printf("up (daemon pid %d)\n", pid)
		return printReady(dir)
	case alive:
		fmt.Printf("starting (daemon pid %d)\n", pid)
	case fileExists(filepath.Join(dir, failedFile)):
		data, _ := os.ReadFile(filepath.Join(dir, failedFile))
		fmt.Printf("failed (run down to clean up):\n%s", data)
	case len(testbed.RunningPIDs(dir)) > 0:
		fmt.Printf("broken: the daemon is gone but %d test-bed process(es) still run; run down\n", len(testbed.RunningPIDs(dir)))
	default:
		fmt.Println("down")
	}
	return errNotUp
}

// down stops the daemon (which stops the bed), kills any recorded process
// still alive, and removes the sandbox directory.
func down(dir string) error {
	if !fileExists(filepath.Join(dir, markerFile)) {
		if err := checkOwnDir(dir); err != nil {
			return err
		}
		fmt.Println("sandbox is not up")
		return nil
	}
	unlock, err := lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	return stopAndRemove(dir)
}

// stopAndRemove is down without the lock.
func stopAndRemove(dir string) error {
	if !fileExists(filepath.Join(dir, markerFile)) {
		if err := checkOwnDir(dir); err != nil {
			return err
		}
		fmt.Println("sandbox is not up")
		return nil
	}
	if pid, alive := daemonAlive(dir); alive {
		fmt.Printf("stopping the daemon (pid %d)\n", pid)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if !waitGone(pid, 20*time.Second) {
			fmt.Printf("daemon still alive; killing it\n")
			_ = syscall.Kill(pid, syscall.SIGKILL)
			waitGone(pid, 5*time.Second)
		}
	}
	if left := testbed.RunningPIDs(dir); len(left) > 0 {
		for _, pid := range left {
			fmt.Printf("killing leftover pid %d\n", pid)
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
		for _, pid := range left {
			if !waitGone(pid, 5*time.Second) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				waitGone(pid, 5*time.Second)
			}
		}
	}
	if left := testbed.RunningPIDs(dir); len(left) > 0 {
		return fmt.Errorf("processes %v are still alive; state kept in %s", left, dir)
	}
	// Everything goes but the lock file, which a concurrent command may be
	// waiting on.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != lockName {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	fmt.Println("sandbox is down")
	return nil
}

// daemonAlive reads the daemon's PID and checks that it is this program's
// "serve" process for dir.
func daemonAlive(dir string) (int, bool) {
	data, err := os.ReadFile(filepath.Join(dir, daemonPID))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 || !pidAlive(pid) {
		return pid, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return pid, false
	}
	args := strings.Split(string(cmdline), "\x00")
	return pid, len(args) > 3 && args[1] == "serve" && slices.Contains(args, dir)
}

// pidAlive reports whether pid exists and is not a zombie.
func pidAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !pidAlive(pid) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return !pidAlive(pid)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// checkOwnDir refuses a directory that holds files but is not a sandbox
// directory: down removes the sandbox directory's contents.
func checkOwnDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // missing: up creates it
	}
	for _, e := range entries {
		if e.Name() == markerFile {
			return nil
		}
	}
	for _, e := range entries {
		if e.Name() != lockName {
			return fmt.Errorf("%s is not empty and not a sandbox directory; choose another --dir", dir)
		}
	}
	return nil
}

// lock takes an exclusive flock on <dir>/.lock (creating dir), so that two
// concurrent up/down commands do not start two daemons or race a removal.
func lock(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
