package testbed

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// portAttempts is how often a process that lost its free port to someone else
// (EADDRINUSE between our probe and its bind) is started again.
const portAttempts = 3

// freePorts returns n distinct free TCP ports on 127.0.0.1. They are only
// probably free: someone may bind them before the child does, hence
// addrInUse and the retries.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("testbed: no free loopback port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// addrInUse reports whether a process died because its port was taken.
func addrInUse(p *process) bool {
	return p.exited() && strings.Contains(p.tail(), "address already in use")
}

// startEtcd starts the bed's one etcd on free loopback ports and waits until
// it reports healthy. It returns the client URL.
func (b *Bed) startEtcd(ctx context.Context) (string, error) {
	dataDir := filepath.Join(b.Dir, "etcd")
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			return "", err
		}
		client := "http://127.0.0.1:" + strconv.Itoa(ports[0])
		peer := "http://127.0.0.1:" + strconv.Itoa(ports[1])
		if err := os.RemoveAll(dataDir); err != nil {
			return "", err
		}
		p, err := b.procs.start("", "etcd", filepath.Join(b.binDir, "etcd"), []string{
			"--name=testbed",
			"--data-dir=" + dataDir,
			"--listen-client-urls=" + client,
			"--advertise-client-urls=" + client,
			"--listen-peer-urls=" + peer,
			"--initial-advertise-peer-urls=" + peer,
			"--initial-cluster=testbed=" + peer,
			"--initial-cluster-state=new",
			"--logger=zap",
			"--log-level=warn",
			"--quota-backend-bytes=4294967296",
			"--auto-compaction-mode=periodic",
			"--auto-compaction-retention=5m",
			"--unsafe-no-fsync",
		})
		if err != nil {
			return "", err
		}
		b.etcd = p
		err = waitHTTP(ctx, p, plainHTTP, client+"/health", 30*time.Second, func(body []byte) bool {
			return strings.Contains(string(body), `"health":"true"`)
		})
		if err != nil && addrInUse(p) && attempt < portAttempts {
			p.portLost = true
			b.logf("etcd: port taken, retrying")
			continue
		}
		return client, err
	}
}

// plainHTTP talks to etcd: loopback only, never through a proxy.
var plainHTTP = &http.Client{
	Timeout:   2 * time.Second,
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
}

// waitHTTP polls url until it answers 200 (and ok accepts the body, if ok is
// not nil). It fails at once if p exits, and after timeout or when ctx ends.
func waitHTTP(ctx context.Context, p *process, c *http.Client, url string, timeout time.Duration, ok func([]byte) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && (ok == nil || ok(body)) {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %.300s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return p.exitError()
		case <-ctx.Done():
			return &ComponentError{Cluster: p.cluster, Component: p.component,
				Err:     fmt.Errorf("not ready at %s after %v (last: %s): %w", url, timeout, last, ctx.Err()),
				LogPath: p.logPath, LogTail: p.tail()}
		case <-tick.C:
		}
	}
}
