package main

// The sandbox directory: its state files, the daemon's PID, the lock, and
// "status" and "down", which read and remove that state.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// status reports whether the sandbox is up; it fails unless it is.
func status(dir string) error {
	pid, alive := daemonAlive(dir)
	switch {
	case alive && fileExists(filepath.Join(dir, readyFile)):
		fmt.Printf("up (daemon pid %d)\n", pid)
		if err := printReady(dir); err != nil {
			return err
		}
		printIstiods(dir)
		return nil
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
