package main

// The sandbox behaves like clusters where istiod really runs: when an istiod
// Deployment appears in a sandbox cluster (meshwiz setup installed it), the
// daemon starts the real istiod for it (testbed.StartIstiod: a local process,
// every listener on 127.0.0.1) and stops it when the Deployment goes. The
// running ones are listed in <dir>/istiod for `sandbox status`, with the
// --istiod-address flags `meshwiz verify` needs.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

const istiodFile = "istiod"

// istiodPoll is how often the supervisor looks for istiod Deployments.
const istiodPoll = 3 * time.Second

// superviseIstiod runs until ctx ends, then stops the istiods it started.
func superviseIstiod(ctx context.Context, bed *testbed.Bed, dir, bin string) {
	running := map[string]*testbed.Istiod{}
	defer func() {
		for _, ist := range running {
			_ = ist.Stop()
		}
		_ = os.Remove(filepath.Join(dir, istiodFile))
	}()
	for {
		changed := false
		for _, c := range bed.Clusters {
			ist := running[c.Name]
			wanted, err := istiodDeployed(ctx, c)
			if err != nil {
				continue // the apiserver is busy or restarting: look again later
			}
			switch {
			case wanted && (ist == nil || ist.Exited()):
				sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
				started, err := bed.StartIstiod(sctx, c.Name, testbed.IstiodOptions{Binary: bin})
				cancel()
				if err != nil {
					fmt.Printf("[%s] istiod Deployment found, but the real istiod did not start: %v\n", c.Name, err)
					continue
				}
				running[c.Name], changed = started, true
				fmt.Printf("[%s] istiod Deployment found: real istiod runs (pid %d, debug http://%s, xDS %s, CLUSTER_ID %s)\n",
					c.Name, started.PID(), started.HTTPAddr, started.GRPCAddr, started.ClusterID)
			case !wanted && ist != nil:
				if err := ist.Stop(); err != nil {
					fmt.Printf("[%s] stopping istiod: %v\n", c.Name, err)
				}
				delete(running, c.Name)
				changed = true
				fmt.Printf("[%s] istiod Deployment gone: real istiod stopped\n", c.Name)
			}
		}
		if changed {
			if err := writeIstiodList(dir, running); err != nil {
				fmt.Printf("writing %s: %v\n", istiodFile, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(istiodPoll):
		}
	}
}

// istiodDeployed reports whether istio-system/istiod exists and is not being
// deleted, with the ServiceAccount the real istiod authenticates as.
func istiodDeployed(ctx context.Context, c *testbed.Cluster) (bool, error) {
	cs := c.Clientset()
	d, err := cs.AppsV1().Deployments("istio-system").Get(ctx, "istiod", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if d.DeletionTimestamp != nil {
		return false, nil
	}
	_, err = cs.CoreV1().ServiceAccounts("istio-system").Get(ctx, "istiod", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// writeIstiodList writes one line per running istiod and the verify flags.
func writeIstiodList(dir string, running map[string]*testbed.Istiod) error {
	var names []string
	for n := range running {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	var flags []string
	for _, n := range names {
		ist := running[n]
		fmt.Fprintf(&b, "  %-8s pid %-7d debug http://%s  xDS %s  CLUSTER_ID %s\n", n, ist.PID(), ist.HTTPAddr, ist.GRPCAddr, ist.ClusterID)
		flags = append(flags, "--istiod-address "+n+"="+ist.HTTPAddr)
	}
	if len(names) > 0 {
		fmt.Fprintf(&b, "verify with: meshwiz verify --context ... %s\n", strings.Join(flags, " "))
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
