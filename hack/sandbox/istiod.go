package main

// The sandbox behaves like clusters where istiod really runs: when an istiod
// Deployment appears in a sandbox cluster (meshwiz setup installed it), the
// daemon starts the real istiod for it (testbed.StartIstiod: a local process,
// every listener on 127.0.0.1), and it stops that process as soon as the
// Deployment is deleted or being deleted, as a cluster ends istiod's pod. Each
// cluster's Deployment is watched (not polled), and each cluster is handled on
// its own. The running ones are listed in <dir>/istiod for `sandbox status`,
// and in <dir>/istiod.json (verify.SandboxFile, beside the kubeconfig), from
// which `meshwiz verify` and the wizard take istiod's address.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/verify"
)

const (
	istiodFile      = "istiod"
	istiodNamespace = "istio-system"
)

// istiodRetry is how long a cluster waits before starting istiod again after
// a failed start (e.g. its ServiceAccount is not there yet) or a crash.
const istiodRetry = 2 * time.Second

// superviseIstiod runs until ctx ends, then stops the istiods it started.
// Each cluster is watched and supervised on its own: a slow or failing start
// in one cluster never delays another.
func superviseIstiod(ctx context.Context, bed *testbed.Bed, dir, bin string) {
	l := &istiodList{dir: dir, servers: map[string]string{}, running: map[string]*testbed.Istiod{}}
	for _, c := range bed.Clusters {
		l.servers[c.Name] = c.Server
	}
	defer func() {
		_ = os.Remove(filepath.Join(dir, istiodFile))
		_ = os.Remove(filepath.Join(dir, verify.SandboxFile))
	}()
	var wg sync.WaitGroup
	for _, c := range bed.Clusters {
		want := make(chan bool, 1)
		wg.Add(2)
		go func() { defer wg.Done(); watchIstiod(ctx, c, want) }()
		go func() {
			defer wg.Done()
			s := &supervisor{bed: bed, c: c, bin: bin, list: l}
			s.run(ctx, want)
		}()
	}
	wg.Wait()
}

// watchIstiod sends on want whether istio-system/istiod exists and is not
// being deleted, each time that changes: a List, then a Watch from its
// resourceVersion, listed again when the watch ends.
func watchIstiod(ctx context.Context, c *testbed.Cluster, want chan bool) {
	deps := c.Clientset().AppsV1().Deployments(istiodNamespace)
	sel := fields.OneTermEqualSelector("metadata.name", "istiod").String()
	for ctx.Err() == nil {
		list, err := deps.List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			sleep(ctx, istiodRetry) // the apiserver is busy or restarting
			continue
		}
		latest(want, len(list.Items) > 0 && list.Items[0].DeletionTimestamp == nil)
		w, err := deps.Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: list.ResourceVersion})
		if err != nil {
			sleep(ctx, istiodRetry)
			continue
		}
		for ev := range w.ResultChan() {
			if ev.Type == watch.Error {
				break // e.g. resourceVersion too old: list again
			}
			d, ok := ev.Object.(*appsv1.Deployment)
			if ok {
				latest(want, ev.Type != watch.Deleted && d.DeletionTimestamp == nil)
			}
		}
		w.Stop()
	}
}

// latest replaces what want holds with v (want has room for one value and
// this is its only sender).
func latest(want chan bool, v bool) {
	select {
	case <-want:
	default:
	}
	want <- v
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// supervisor starts and stops the real istiod of one cluster.
type supervisor struct {
	bed  *testbed.Bed
	c    *testbed.Cluster
	bin  string
	list *istiodList

	ist         *testbed.Istiod
	starting    context.CancelFunc // non-nil while a start runs
	wanted      bool
	deletedAt   time.Time
	startedDone chan startResult
}

type startResult struct {
	ist *testbed.Istiod
	err error
}

// run applies each wanted state as it arrives: a start runs in the
// background and is cancelled (its process stopped) when the Deployment
// goes; a running istiod is stopped at once.
func (s *supervisor) run(ctx context.Context, want <-chan bool) {
	s.startedDone = make(chan startResult, 1)
	check := time.NewTicker(istiodRetry)
	defer check.Stop()
	defer s.stop("the sandbox stops")
	for {
		select {
		case <-ctx.Done():
			if s.starting != nil {
				s.starting()
				<-s.startedDone
			}
			return
		case w := <-want:
			s.wanted = w
			if !w {
				s.deletedAt = time.Now()
			}
		case r := <-s.startedDone:
			s.starting = nil
			if r.err != nil && r.ist != nil {
				_ = os.RemoveAll(r.ist.Dir) // StartIstiod stopped it
			}
			switch {
			case r.err != nil && s.wanted:
				fmt.Printf("%s [%s] istiod Deployment found, but the real istiod did not start: %v (trying again)\n", stamp(), s.c.Name, r.err)
				sleep(ctx, istiodRetry)
			case r.err == nil:
				s.ist = r.ist
				s.list.set(s.c.Name, r.ist)
				fmt.Printf("%s [%s] istiod Deployment found: real istiod runs (pid %d, debug http://%s, xDS %s, CLUSTER_ID %s)\n",
					stamp(), s.c.Name, r.ist.PID(), r.ist.HTTPAddr, r.ist.GRPCAddr, r.ist.ClusterID)
			}
		case <-check.C:
			if s.ist != nil && s.ist.Exited() {
				fmt.Printf("%s [%s] the real istiod (pid %d) exited; see %s\n", stamp(), s.c.Name, s.ist.PID(), s.ist.LogPath)
				s.ist = nil
				s.list.set(s.c.Name, nil)
			}
		}
		s.apply(ctx)
	}
}

// apply starts or stops istiod to match s.wanted.
func (s *supervisor) apply(ctx context.Context) {
	switch {
	case s.wanted && s.ist == nil && s.starting == nil:
		sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		s.starting = cancel
		go func() {
			ist, err := s.bed.StartIstiod(sctx, s.c.Name, testbed.IstiodOptions{Binary: s.bin})
			cancel()
			s.startedDone <- startResult{ist, err}
		}()
	case !s.wanted && s.starting != nil:
		s.starting() // StartIstiod stops the process it started
		r := <-s.startedDone
		s.starting = nil
		if r.ist != nil {
			_ = r.ist.Stop()
			_ = os.RemoveAll(r.ist.Dir)
		}
		fmt.Printf("%s [%s] istiod Deployment deleted while the real istiod was starting: start cancelled, process stopped %.1fs after the event\n",
			stamp(), s.c.Name, time.Since(s.deletedAt).Seconds())
	case !s.wanted && s.ist != nil:
		s.stop("istiod Deployment deleted")
	}
}

// stop ends the running istiod, if any, and waits for the process.
func (s *supervisor) stop(why string) {
	if s.ist == nil {
		return
	}
	pid := s.ist.PID()
	if err := s.ist.Stop(); err != nil {
		fmt.Printf("%s [%s] stopping istiod: %v\n", stamp(), s.c.Name, err)
	}
	_ = os.RemoveAll(s.ist.Dir) // its kubeconfig (a token) and cacerts copy; the log stays in logs/
	s.ist = nil
	s.list.set(s.c.Name, nil)
	took := ""
	if !s.deletedAt.IsZero() && !s.wanted {
		took = fmt.Sprintf(", gone %.1fs after the event", time.Since(s.deletedAt).Seconds())
	}
	fmt.Printf("%s [%s] %s: real istiod (pid %d) stopped%s\n", stamp(), s.c.Name, why, pid, took)
}

func stamp() string { return time.Now().UTC().Format("15:04:05.000") }

// istiodList is the set of running istiods, written to <dir>/istiod on
// every change.
type istiodList struct {
	mu      sync.Mutex
	dir     string
	servers map[string]string // cluster → API server URL
	running map[string]*testbed.Istiod
}

func (l *istiodList) set(cluster string, ist *testbed.Istiod) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ist == nil {
		delete(l.running, cluster)
	} else {
		l.running[cluster] = ist
	}
	if err := writeIstiodList(l.dir, l.running, l.servers); err != nil {
		fmt.Printf("writing %s: %v\n", istiodFile, err)
	}
}

// writeIstiodList writes one line per running istiod and the verify flags.
func writeIstiodList(dir string, running map[string]*testbed.Istiod, servers map[string]string) error {
	var names []string
	for n := range running {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	var contexts, flags []string
	list := verify.SandboxList{Istiods: []verify.SandboxIstiod{}}
	for _, n := range names {
		ist := running[n]
		fmt.Fprintf(&b, "  %-8s pid %-7d debug http://%s  xDS %s  CLUSTER_ID %s\n", n, ist.PID(), ist.HTTPAddr, ist.GRPCAddr, ist.ClusterID)
		contexts = append(contexts, "--context "+n)
		flags = append(flags, "--istiod-address "+n+"="+ist.HTTPAddr)
		list.Istiods = append(list.Istiods, verify.SandboxIstiod{Context: n, Server: servers[n], Address: ist.HTTPAddr})
	}
	if len(names) > 0 {
		fmt.Fprintf(&b, "verify with: meshwiz verify --config mesh.yaml (or %s, plus a --context per remote)\n", strings.Join(contexts, " "))
		fmt.Fprintf(&b, "  meshwiz reads these addresses from %s; to give them by hand: %s\n", verify.SandboxFile, strings.Join(flags, " "))
	}
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, verify.SandboxFile), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, istiodFile), []byte(b.String()), 0o644)
}

// printIstiods prints the running real istiods for `sandbox status`.
func printIstiods(dir string) {
	data, err := os.ReadFile(filepath.Join(dir, istiodFile))
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		fmt.Println("real istiod: none running (starts when meshwiz setup installs istiod in a sandbox cluster)")
		return
	}
	fmt.Printf("real istiod (one per istiod Deployment):\n%s", data)
}
