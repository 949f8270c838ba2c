package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// portClosedTimeout bounds the wait, after the apiserver process is reaped,
// until its port refuses connections (normally at once).
const portClosedTimeout = 10 * time.Second

// restartLocks holds one *sync.Mutex per *Cluster: StopAPIServer and
// StartAPIServer of one cluster run one at a time (both rewrite the fields
// of its apiserver's process record), those of different clusters (and
// beds) at once.
var restartLocks sync.Map

func (c *Cluster) restartLock() *sync.Mutex {
	mu, _ := restartLocks.LoadOrStore(c, new(sync.Mutex))
	return mu.(*sync.Mutex)
}

// lockAPIServer takes the cluster's restart lock and returns its
// kube-apiserver; unlock releases the lock (after an error too).
func (c *Cluster) lockAPIServer() (p *process, unlock func(), err error) {
	mu := c.restartLock()
	mu.Lock()
	if c.apiserver == nil {
		return nil, mu.Unlock, c.errorf("kube-apiserver was never started")
	}
	return c.apiserver, mu.Unlock, nil
}

// StopAPIServer stops the cluster's kube-apiserver, and only it: SIGTERM,
// SIGKILL after the grace period Bed.Stop uses (5 s), then it waits until
// the process is reaped and its port refuses connections. etcd, the
// controller manager, the scheduler and kwok keep running (and keep retrying
// their connections). Stopping an apiserver that is already stopped is a
// no-op.
//
// Neither StopAPIServer nor StartAPIServer may run concurrently with
// Bed.Stop.
func (c *Cluster) StopAPIServer() error {
	p, unlock, err := c.lockAPIServer()
	defer unlock()
	if err != nil {
		return err
	}
	if err := stopProcesses([]*process{p}); err != nil {
		return c.errorf("stopping kube-apiserver: %w", err)
	}
	if err := waitPortClosed(c.port, portClosedTimeout); err != nil {
		return c.errorf("kube-apiserver (pid %d) is gone but %w", p.pid(), err)
	}
	return nil
}

// StartAPIServer starts the cluster's kube-apiserver again after
// StopAPIServer, with exactly the arguments (hence the same port, etcd
// prefix and certificates) it ran with before, and waits for /readyz. The
// kubeconfig, Server, RESTConfig and Clientset stay valid, the other
// components reconnect by themselves, and what the cluster held before is
// still there (it lives in etcd). The new process appends to the same log
// file and gets a new line in the pids file; Bed.Stop stops it like any
// other, and Bed.PIDs lists its PID in place of the old one. It fails if the apiserver is still running, or when the port has
// been taken by someone else meanwhile.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	p, unlock, err := c.lockAPIServer()
	defer unlock()
	if err != nil {
		return err
	}
	if !p.exited() {
		return c.errorf("kube-apiserver is still running (pid %d): call StopAPIServer first", p.pid())
	}
	// The bed's etcd must still run (it does not after Bed.Stop): an
	// apiserver without it would wait for it until the readiness timeout.
	if err := etcdHealthy(ctx, p.cmd.Args); err != nil {
		return c.errorf("kube-apiserver not restarted: %w", err)
	}
	if err := p.restart(); err != nil {
		return err
	}
	if err := waitHTTP(ctx, p, c.httpClient(), c.Server+"/readyz", apiserverReadyTimeout, nil); err != nil {
		if addrInUse(p) {
			return c.errorf("kube-apiserver cannot get its port %d back: %w", c.port, err)
		}
		return err
	}
	c.readyAt = time.Now()
	if hasRuntimeConfig(c.spec.APIServerFlags) {
		if err := c.checkStillServing(ctx, settleAfterReady); err != nil {
			return err
		}
	}
	return nil
}

// restart starts an ended process again, with the same binary, arguments,
// environment, working directory, log file and process attributes, in place:
// the record stays the one the bed's process list (and so Bed.Stop) holds,
// and its pid becomes the new one. The new PID is appended to the pids file
// next to the log directory, as procs.start does. The caller makes sure that
// the process has been reaped and that nobody reads the record meanwhile.
func (p *process) restart() error {
	if !p.exited() {
		return fmt.Errorf("testbed: %s (pid %d) is still running", p.name(), p.pid())
	}
	old := p.cmd
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "# restarted at %s after pid %d ended (%v)\n", time.Now().UTC().Format(time.RFC3339), old.Process.Pid, p.waitErr)
	fmt.Fprintf(logf, "# %s %s\n", p.bin, strings.Join(old.Args[1:], " "))
	cmd := exec.Command(p.bin, old.Args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = old.Env
	cmd.Dir = old.Dir
	if old.SysProcAttr != nil {
		attr := *old.SysProcAttr
		cmd.SysProcAttr = &attr
	}
	if err := spawn(cmd); err != nil {
		return &ComponentError{Cluster: p.cluster, Component: p.component, Err: fmt.Errorf("restart: %w", err),
			LogPath: p.logPath, LogTail: p.tail()}
	}
	// The old reaper goroutine has finished (p.done is closed), so nothing
	// else writes these fields.
	done := make(chan struct{})
	p.pastCPU += waitedCPU(old.ProcessState) // Bed.CPUTime keeps counting it
	p.cmd, p.done, p.waitErr = cmd, done, nil
	go func() {
		err := cmd.Wait()
		p.waitErr = err
		close(done)
	}()
	// <Dir>/logs/<name>.log → <Dir>/pids
	pidsPath := filepath.Join(filepath.Dir(filepath.Dir(p.logPath)), "pids")
	f, err := os.OpenFile(pidsPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		_, err = fmt.Fprintf(f, "%d %s %s\n", cmd.Process.Pid, p.name(), p.bin)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("testbed: recording PID of %s: %w", p.name(), err)
	}
	return nil
}

// etcdHealthy checks the /health of the etcd named by --etcd-servers in an
// apiserver's arguments.
func etcdHealthy(ctx context.Context, args []string) error {
	var url string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--etcd-servers="); ok {
			url, _, _ = strings.Cut(v, ",")
		}
	}
	if url == "" {
		return errors.New("no --etcd-servers in the apiserver's arguments")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := plainHTTP.Do(req)
	if err != nil {
		return fmt.Errorf("the bed's etcd at %s does not answer (was the bed stopped?): %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"health":"true"`) {
		return fmt.Errorf("the bed's etcd at %s is not healthy: HTTP %d %.200s", url, resp.StatusCode, body)
	}
	return nil
}

// waitPortClosed waits until nothing accepts connections on 127.0.0.1:port.
func waitPortClosed(port int, timeout time.Duration) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil && errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		if conn != nil {
			conn.Close()
		}
		if time.Now().After(deadline) {
			if err == nil {
				return fmt.Errorf("port %d still accepts connections after %v", port, timeout)
			}
			return fmt.Errorf("port %d does not refuse connections after %v: %w", port, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
