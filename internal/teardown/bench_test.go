package teardown

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/install/installtest"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// BenchmarkLatency measures setup (the install plan) and teardown (discover
// + plan, --purge-crds) of a one-network multi-primary mesh with a simulated
// round-trip time added to every API request, as distant API servers have:
// one cluster alone, three clusters in one plan (their lanes run
// concurrently), and the same three one after another (three one-cluster
// meshes, as three runs would). It reports the times, the ratios
// three/one (target: about 1.3 or less for setup) and sequential/concurrent,
// and the API requests per cluster of each command (counted by the client
// bundle's transport). Every way starts from clean clusters (the previous
// way's teardown purges the CRDs too).
//
//	go test -run '^$' -bench Latency -benchtime 1x ./internal/teardown/
//	MESHWIZ_BENCH_RTT=0 ... (no added latency)
func BenchmarkLatency(b *testing.B) {
	rtt := 50 * time.Millisecond
	if v := os.Getenv("MESHWIZ_BENCH_RTT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		rtt = d
	}
	names := []string{"k1", "k2", "k3"}
	bed, err := testbed.Start(context.Background(), testbed.Options{Clusters: []testbed.ClusterSpec{{Name: "k1"}, {Name: "k2"}, {Name: "k3"}}})
	if err != nil {
		b.Fatal(err)
	}
	defer bed.Stop()
	type way struct {
		name   string
		groups [][]string
	}
	ways := []way{
		{"one", [][]string{{"k1"}}},
		{"concurrent", [][]string{names}},
		{"sequential", [][]string{{"k1"}, {"k2"}, {"k3"}}},
	}
	setupT, downT := map[string]time.Duration{}, map[string]time.Duration{}
	setupReq, downReq := map[string]float64{}, map[string]float64{}
	for b.Loop() {
		for _, w := range ways {
			for _, g := range w.groups {
				cfg := bedtest.Mesh(b, mesh.MultiPrimary, false, g...)
				cs := latencyClients(b, bed, rtt, g...)
				start := time.Now()
				env := installtest.Env(b, bed, cfg)
				for _, c := range cs {
					env.Clients[c.Context] = c
				}
				installtest.Setup(b, cfg, env)
				setupT[w.name] += time.Since(start)
				setupReq[w.name] += perCluster(cs)
				cs = latencyClients(b, bed, rtt, g...)
				start = time.Now()
				latencyTeardown(b, cs)
				downT[w.name] += time.Since(start)
				downReq[w.name] += perCluster(cs)
			}
			b.Logf("%s: setup %v, teardown %v (cumulative)", w.name, setupT[w.name].Round(time.Millisecond), downT[w.name].Round(time.Millisecond))
		}
	}
	n := float64(b.N)
	for _, w := range ways {
		b.ReportMetric(setupT[w.name].Seconds()*1000/n, "ms-setup-"+w.name)
		b.ReportMetric(downT[w.name].Seconds()*1000/n, "ms-teardown-"+w.name)
		b.ReportMetric(setupReq[w.name]/n/float64(len(w.groups)), "req/cluster-setup-"+w.name)
		b.ReportMetric(downReq[w.name]/n/float64(len(w.groups)), "req/cluster-teardown-"+w.name)
	}
	b.ReportMetric(setupT["concurrent"].Seconds()/setupT["one"].Seconds(), "setup-3/1")
	b.ReportMetric(downT["concurrent"].Seconds()/downT["one"].Seconds(), "teardown-3/1")
	b.ReportMetric(setupT["sequential"].Seconds()/setupT["concurrent"].Seconds(), "setup-seq/conc")
	b.ReportMetric(downT["sequential"].Seconds()/downT["concurrent"].Seconds(), "teardown-seq/conc")
}

// perCluster is the mean number of API requests the clients sent.
func perCluster(cs []*kube.Client) float64 {
	var sum int64
	for _, c := range cs {
		sum += c.Requests()
	}
	return float64(sum) / float64(len(cs))
}

// latencyClients are client bundles whose every request waits rtt first.
func latencyClients(tb testing.TB, bed *testbed.Bed, rtt time.Duration, names ...string) []*kube.Client {
	tb.Helper()
	out := make([]*kube.Client, len(names))
	for i, n := range names {
		cfg := bed.Cluster(n).RESTConfig()
		if rtt > 0 {
			cfg.Wrap(testbed.WithLatency(rtt))
		}
		c, err := kube.NewClientForConfig(n, cfg)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = c
	}
	return out
}

func latencyTeardown(tb testing.TB, cs []*kube.Client) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	inv, err := Discover(ctx, Options{Clients: cs, PurgeCRDs: true})
	if err != nil {
		tb.Fatal(err)
	}
	plan, err := Plan(inv)
	if err != nil {
		tb.Fatal(err)
	}
	sum, err := steps.Run(ctx, plan, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if sum.Failed() {
		tb.Fatalf("teardown failed:\n%s", bedtest.DescribeRun(sum))
	}
}
