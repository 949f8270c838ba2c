package testbed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// settleAfterReady is how long after its first /readyz an apiserver with a
// changed --runtime-config must still be alive and ready (notes §12).
const settleAfterReady = 4 * time.Second

// Bed is a set of running loopback clusters sharing one etcd.
type Bed struct {
	// Kubeconfig is the path of the kubeconfig with one context per cluster
	// (plus "<name>-restricted" ones); its current context is the first
	// cluster's.
	Kubeconfig string
	// Clusters are the running clusters, in the order of Options.Clusters.
	Clusters []*Cluster
	// Dir is the work directory (see the package doc for its layout).
	Dir string

	binDir    string
	removeDir bool
	logf      func(string, ...any)
	procs     *procs
	etcd      *process
	ctx       context.Context // lives until Stop; runs the load-balancer assigners
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	stopOnce  sync.Once
	stopErr   error
	keepLogs  bool
}

// Start starts the clusters of opts in one go: one etcd, all apiservers in
// parallel, then per cluster (in parallel) the controller manager, the
// scheduler, kwok, the fake nodes and the load-balancer assigner. It returns
// once every cluster is usable: nodes Ready and the ServiceAccount
// default/default present. On any error it stops what it started and returns
// an error naming the cluster and the component, with the tail of that
// component's log.
func Start(ctx context.Context, opts Options) (*Bed, error) {
	specs, err := normalized(opts.Clusters)
	if err != nil {
		return nil, err
	}
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = Binaries(); err != nil {
			return nil, err
		}
	} else if err := checkBinDir(binDir); err != nil {
		return nil, fmt.Errorf("testbed: BinDir: %w", err)
	}
	// The pids file records absolute, resolved binary paths, so that a later
	// cleanup can tell a recorded process from a recycled PID.
	if abs, err := filepath.Abs(binDir); err == nil {
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			binDir = real
		}
	}
	b := &Bed{binDir: binDir, logf: opts.Logf}
	if b.logf == nil {
		b.logf = func(string, ...any) {}
	}
	if opts.Dir != "" {
		b.Dir, err = filepath.Abs(opts.Dir)
		if err == nil {
			err = os.MkdirAll(b.Dir, 0o755)
		}
	} else {
		b.Dir, err = os.MkdirTemp("", "meshwiz-testbed-")
		b.removeDir = !opts.Keep
	}
	if err != nil {
		return nil, fmt.Errorf("testbed: work dir: %w", err)
	}
	if pids := RunningPIDs(b.Dir); len(pids) > 0 {
		return nil, fmt.Errorf("testbed: a bed still runs in %s (pids %v); stop it first", b.Dir, pids)
	}
	b.Kubeconfig = filepath.Join(b.Dir, "kubeconfig")
	b.procs = &procs{pidsPath: filepath.Join(b.Dir, "pids"), logDir: filepath.Join(b.Dir, "logs"), detached: opts.Detached}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if err := b.start(ctx, specs); err != nil {
		if serr := b.Stop(); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, err
	}
	return b, nil
}

func (b *Bed) start(ctx context.Context, specs []ClusterSpec) error {
	t0 := time.Now()
	// A given Dir may hold an earlier bed's logs: start them afresh.
	if err := os.RemoveAll(b.procs.logDir); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	if err := os.MkdirAll(b.procs.logDir, 0o755); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}
	if err := os.WriteFile(b.procs.pidsPath, nil, 0o644); err != nil {
		return fmt.Errorf("testbed: %w", err)
	}

	// PKI for all clusters (RSA key generation dominates; run in parallel).
	b.Clusters = make([]*Cluster, len(specs))
	var g errgroup.Group
	for i, s := range specs {
		c := &Cluster{Name: s.Name, Context: s.Name, PodCIDR: s.PodCIDR, ServiceCIDR: s.ServiceCIDR, LoadBalancerNet: s.LoadBalancerNet,
			Nodes: s.Nodes, index: i, spec: s, dir: filepath.Join(b.Dir, "clusters", s.Name)}
		if s.RestrictedUser {
			c.RestrictedContext = s.Name + "-restricted"
		}
		b.Clusters[i] = c
		g.Go(func() (err error) {
			c.pki, err = newPKI(filepath.Join(c.dir, "pki"), firstServiceIP(c.ServiceCIDR), s.RestrictedUser)
			if err != nil {
				return c.errorf("PKI: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	etcdURL, err := b.startEtcd(ctx)
	if err != nil {
		return err
	}
	b.logf("etcd healthy at %s [+%.1fs]", etcdURL, time.Since(t0).Seconds())

	g = errgroup.Group{}
	for _, c := range b.Clusters {
		g.Go(func() error {
			if err := b.startAPIServer(ctx, c, etcdURL); err != nil {
				return err
			}
			return c.newClients()
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	b.logf("%d apiserver(s) ready [+%.1fs]", len(b.Clusters), time.Since(t0).Seconds())

	for _, c := range b.Clusters {
		c.KubeconfigServer = c.Server
		if c.spec.ServerAddress != "" {
			c.KubeconfigServer = c.spec.ServerAddress
		}
	}
	if err := writeBedKubeconfig(b.Kubeconfig, b.Clusters); err != nil {
		return err
	}

	g = errgroup.Group{}
	for _, c := range b.Clusters {
		g.Go(func() error { return b.bringUp(ctx, c) })
	}
	if err := g.Wait(); err != nil {
		return err
	}

	// A last look: everything still running, and apiservers with a changed
	// set of APIs still serving a few seconds after their first /readyz.
	for _, c := range b.Clusters {
		if hasRuntimeConfig(c.spec.APIServerFlags) {
			if err := c.checkStillServing(ctx, settleAfterReady); err != nil {
				return err
			}
		}
	}
	for _, p := range b.procs.all() {
		if p.exited() && !p.portLost {
			return p.exitError()
		}
	}
	b.logf("%d cluster(s) usable [+%.1fs]; KUBECONFIG=%s", len(b.Clusters), time.Since(t0).Seconds(), b.Kubeconfig)
	return nil
}

// Cluster returns the cluster with this name, or nil.
func (b *Bed) Cluster(name string) *Cluster {
	for _, c := range b.Clusters {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// PIDs returns the process IDs of every process the bed started (including
// any that already ended).
func (b *Bed) PIDs() []int {
	var pids []int
	for _, p := range b.procs.all() {
		pids = append(pids, p.pid())
	}
	return pids
}

// Stop stops the load-balancer assigners and every process by PID (SIGTERM,
// then SIGKILL after 5 s; components and apiservers first, etcd last), waits
// for them, and removes Dir if Start created it (unless Options.Keep). It is
// safe to call more than once; later calls return the first result.
func (b *Bed) Stop() error {
	b.stopOnce.Do(func() {
		var errs []error
		b.cancel()
		b.wg.Wait()
		var first, last []*process
		for _, p := range b.procs.all() {
			if p == b.etcd || p.component == "etcd" {
				last = append(last, p)
			} else {
				first = append(first, p)
			}
		}
		if err := stopProcesses(first); err != nil {
			errs = append(errs, err)
		}
		if err := stopProcesses(last); err != nil {
			errs = append(errs, err)
		}
		if b.removeDir && b.Dir != "" {
			if err := b.removeWorkDir(); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			b.stopErr = fmt.Errorf("testbed: stop: %w", errors.Join(errs...))
		}
	})
	return b.stopErr
}

// removeWorkDir removes Dir, or with keepLogs everything in it but logs/.
func (b *Bed) removeWorkDir() error {
	if !b.keepLogs {
		return os.RemoveAll(b.Dir)
	}
	entries, err := os.ReadDir(b.Dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if e.Name() != "logs" && !strings.HasPrefix(e.Name(), "pids") {
			errs = append(errs, os.RemoveAll(filepath.Join(b.Dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}
