package install

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// BenchmarkSetup3Clusters compares installing a one-network multi-primary
// mesh on three clusters with one plan (the clusters' lanes run
// concurrently) against installing the three clusters one after another
// (three single-cluster multi-primary plans, as three `meshwiz setup` runs
// would). Only the first install of a fresh cluster is meaningful (a second
// one finds everything up to date), so every iteration starts a fresh
// three-cluster bed for each way, one bed at a time, and times only
// Plan + steps.Run (bed start, clients and certificates are outside the
// timer). The one-plan install does strictly more work (three reader tokens
// and six remote secrets that single-cluster meshes do not have), so the
// ratio understates what concurrency gains.
//
// Metrics (means over b.N): ms-concurrent, ms-sequential,
// sequential/concurrent, MiB-apiservers-concurrent and
// MiB-apiservers-sequential (the sum of the three kube-apiservers' VmRSS
// right after the install), and MiB-peak-RSS (VmHWM of the test process).
//
//	go test -run '^$' -bench Setup3 -benchtime 1x ./internal/install/
func BenchmarkSetup3Clusters(b *testing.B) {
	names := []string{"k1", "k2", "k3"}
	// Untimed warm-up: parse the embedded charts once, so that the first
	// way measured does not pay for first-time work the second skips.
	for _, ch := range []string{charts.Base, charts.Istiod} {
		if _, err := charts.Load(charts.Source{}, ch); err != nil {
			b.Fatal(err)
		}
	}
	var conc, seq time.Duration
	var rssConc, rssSeq float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ways := []string{"concurrent", "sequential"}
		if i%2 == 1 { // alternate the order, against order effects
			ways[0], ways[1] = ways[1], ways[0]
		}
		for _, way := range ways {
			b.StopTimer()
			bed := startOwnBed(b, names...)
			caDir := b.TempDir()
			var cfgs []*mesh.Config
			if way == "concurrent" {
				cfgs = append(cfgs, benchMesh(b, caDir, names...))
			} else {
				for _, n := range names {
					cfgs = append(cfgs, benchMesh(b, caDir, n))
				}
			}
			envs := make([]Env, len(cfgs))
			for j, cfg := range cfgs {
				envs[j] = envOnBed(b, bed, cfg, 2*time.Minute, time.Minute)
			}
			b.StartTimer()
			start := time.Now()
			for j, cfg := range cfgs {
				benchInstall(b, cfg, envs[j])
			}
			took := time.Since(start)
			b.StopTimer()
			rss := apiserversRSS(b, bed)
			b.Logf("iteration %d, %s: %v; kube-apiservers' RSS %.0f MiB", i, way, took.Round(time.Millisecond), rss)
			if way == "concurrent" {
				conc += took
				rssConc += rss
			} else {
				seq += took
				rssSeq += rss
			}
			if err := bed.Stop(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(conc.Milliseconds())/n, "ms-concurrent")
	b.ReportMetric(float64(seq.Milliseconds())/n, "ms-sequential")
	b.ReportMetric(seq.Seconds()/conc.Seconds(), "sequential/concurrent")
	b.ReportMetric(rssConc/n, "MiB-apiservers-concurrent")
	b.ReportMetric(rssSeq/n, "MiB-apiservers-sequential")
	b.ReportMetric(procStatusMiB(b, "/proc/self/status", "VmHWM"), "MiB-peak-RSS")
}

// benchMesh is meshFor for a benchmark: a defaulted, valid one-network
// multi-primary mesh of the named clusters, with its CA in caDir (shared by
// the single-cluster meshes of one bed, so that they have one root).
func benchMesh(tb testing.TB, caDir string, names ...string) *mesh.Config {
	tb.Helper()
	cfg := &mesh.Config{APIVersion: mesh.APIVersion, Kind: mesh.Kind, Model: mesh.MultiPrimary}
	for _, n := range names {
		cfg.Clusters = append(cfg.Clusters, mesh.Cluster{Context: n, Name: n})
	}
	cfg.Security.CA.Dir = caDir
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// benchInstall runs the plan and fails on any failed step.
func benchInstall(tb testing.TB, cfg *mesh.Config, env Env) {
	tb.Helper()
	plan, err := Plan(cfg, env)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sum, err := steps.Run(ctx, plan, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if sum.Failed() {
		tb.Fatalf("install of %d cluster(s) failed:\n%s", len(cfg.Clusters), bedtest.DescribeRun(sum))
	}
}

// apiserversRSS sums the VmRSS of the bed's running kube-apiservers, in MiB
// (found through the pids file: "<pid> <cluster>-<component> <binary>").
func apiserversRSS(tb testing.TB, bed *testbed.Bed) float64 {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(bed.Dir, "pids"))
	if err != nil {
		tb.Fatal(err)
	}
	running := map[int]bool{}
	for _, pid := range testbed.RunningPIDs(bed.Dir) {
		running[pid] = true
	}
	var sum float64
	found := 0
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || !strings.HasSuffix(f[1], "-kube-apiserver") {
			continue
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil || !running[pid] {
			continue
		}
		sum += procStatusMiB(tb, fmt.Sprintf("/proc/%d/status", pid), "VmRSS")
		found++
	}
	if found != len(bed.Clusters) {
		tb.Errorf("found %d running kube-apiservers, want %d", found, len(bed.Clusters))
	}
	return sum
}

// procStatusMiB reads a "<field>: <n> kB" line of a /proc status file, in MiB.
func procStatusMiB(tb testing.TB, path, field string) float64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				tb.Fatalf("%s: %s: %v", path, field, err)
			}
			return kb / 1024
		}
	}
	tb.Fatalf("%s has no %s", path, field)
	return 0
}
