package main

// The daemon: "up" starts it and waits until it is ready, "serve" is the
// daemon itself.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

const upTimeout = 120 * time.Second

var clusterNames = []string{"east", "west", "north"}

// up starts the daemon unless it already runs, then waits for ready/failed.
func up(dir string, n int, binDir, istiodBin string) error {
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
	if istiodBin == "" {
		if istiodBin, err = testbed.IstiodBinary(); err != nil {
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
	cmd := exec.Command(self, "serve", "--dir", dir, "--clusters", strconv.Itoa(n), "--bin", binDir, "--istiod-bin", istiodBin)
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

// serve is the daemon: it starts the bed, reports ready or failed, runs the
// real istiod wherever an istiod Deployment appears, and stops everything on
// SIGTERM or SIGINT.
func serve(dir string, n int, binDir, istiodBin string) error {
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
		if i == 0 {
			// east can be a primary with remotes: a remote's istiod
			// EndpointSlice points at east's gateway, and EndpointSlices
			// refuse loopback addresses. RFC 5737 data; nothing dials it.
			specs[i].LoadBalancerNet = "203.0.113.0/24"
		}
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
			c.PodCIDR, c.ServiceCIDR, c.LoadBalancerNet)
		if c.RestrictedContext != "" {
			fmt.Fprintf(&b, "  %-8s same cluster; a user that may only get/list pods in default\n", c.RestrictedContext)
		}
	}
	fmt.Fprintf(&b, "%s\nstop with: go run ./hack/sandbox down\n", addressNote(bed.Clusters))
	if err := os.WriteFile(filepath.Join(dir, readyFile), []byte(b.String()), 0o644); err != nil {
		_ = bed.Stop()
		return err
	}
	fmt.Printf("ready in %.1fs\n", time.Since(t0).Seconds())
	ictx, stopIstiod := context.WithCancel(context.Background())
	supervised := make(chan struct{})
	go func() {
		defer close(supervised)
		superviseIstiod(ictx, bed, dir, istiodBin)
	}()

	sig := <-sigs
	fmt.Printf("%v: stopping\n", sig)
	stopIstiod()
	<-supervised
	_ = os.Remove(filepath.Join(dir, readyFile))
	if err := bed.Stop(); err != nil {
		return err
	}
	fmt.Println("stopped")
	return nil
}

// addressNote says which of the sandbox's addresses are dialled and which
// are data: API servers and Services are on loopback; pod IPs and a
// load-balancer range outside 127/8 (east's RFC 5737 range, chosen because
// EndpointSlices refuse loopback addresses) are data that nothing dials.
func addressNote(clusters []*testbed.Cluster) string {
	note := "API servers and Services are on loopback (127.0.0.0/8); pod IPs are data nothing dials"
	for _, c := range clusters {
		if !strings.HasPrefix(c.LoadBalancerNet, "127.") {
			note += fmt.Sprintf("; %s's load-balancer range %s is RFC 5737 documentation space, data only (EndpointSlices refuse loopback addresses, and a remote's istiod points at it)",
				c.Context, c.LoadBalancerNet)
		}
	}
	return note
}
