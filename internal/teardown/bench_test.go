package teardown

import (
	"context"
	"os"
	"runtime"
	"syscall"
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
// way's teardown purges the CRDs too). Each way also runs without the added
// round-trip time (the -rtt0 metrics): on a 2-core machine three beds'
// apiservers and three Helm installs share the CPU, and setup-conc/seq-rtt0
// near 1 says the 3/1 ratio measures that, not the round trips.
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
	// Every way runs twice: with the round-trip time, and without it (the
	// same work on the same 2 cores). The difference is what the round
	// trips cost; on real clusters each API server has machines of its own,
	// so that difference, not the CPU the three beds share here, is what a
	// distant cluster adds.
	rtts := []time.Duration{rtt}
	if rtt > 0 {
		rtts = append(rtts, 0)
	}
	type key struct {
		way string
		rtt time.Duration
	}
	setupT, downT := map[key]time.Duration{}, map[key]time.Duration{}
	setupReq, downReq := map[string]float64{}, map[string]float64{}
	// The CPU a setup costs: the bed's processes (apiservers, etcd, ...)
	// and this process (meshwiz's engine and Helm; the bed's fake
	// load-balancer assigners also run here, idle but for the gateway).
	bedCPU, selfCPU := map[key]time.Duration{}, map[key]time.Duration{}
	cpuNow := func() (bedT, selfT time.Duration) {
		m, err := bed.CPUTime()
		if err != nil {
			b.Fatal(err)
		}
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return testbed.Total(m), time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for b.Loop() {
		for _, d := range rtts {
			for _, w := range ways {
				k := key{w.name, d}
				for _, g := range w.groups {
					cfg := bedtest.Mesh(b, mesh.MultiPrimary, false, g...)
					cs := latencyClients(b, bed, d, g...)
					env := installtest.Env(b, bed, cfg) // the CA: not part of the install plan
					for _, c := range cs {
						env.Clients[c.Context] = c
					}
					bed0, self0 := cpuNow()
					start := time.Now()
					installtest.Setup(b, cfg, env)
					setupT[k] += time.Since(start)
					bed1, self1 := cpuNow()
					bedCPU[k] += bed1 - bed0
					selfCPU[k] += self1 - self0
					if d == rtt {
						setupReq[w.name] += perCluster(cs)
					}
					cs = latencyClients(b, bed, d, g...)
					start = time.Now()
					latencyTeardown(b, cs)
					downT[k] += time.Since(start)
					if d == rtt {
						downReq[w.name] += perCluster(cs)
					}
				}
				b.Logf("%s, round trip %v: setup %v (CPU: bed %v, meshwiz %v), teardown %v (cumulative)", w.name, d, setupT[k].Round(time.Millisecond),
					bedCPU[k].Round(10*time.Millisecond), selfCPU[k].Round(10*time.Millisecond), downT[k].Round(time.Millisecond))
			}
		}
	}
	n := float64(b.N)
	for _, w := range ways {
		k := key{w.name, rtt}
		b.ReportMetric(setupT[k].Seconds()*1000/n, "ms-setup-"+w.name)
		b.ReportMetric(downT[k].Seconds()*1000/n, "ms-teardown-"+w.name)
		b.ReportMetric(setupReq[w.name]/n/float64(len(w.groups)), "req/cluster-setup-"+w.name)
		b.ReportMetric(downReq[w.name]/n/float64(len(w.groups)), "req/cluster-teardown-"+w.name)
	}
	ratio := func(t map[key]time.Duration, a, c string) float64 {
		return t[key{a, rtt}].Seconds() / t[key{c, rtt}].Seconds()
	}
	b.ReportMetric(ratio(setupT, "concurrent", "one"), "setup-3/1")
	b.ReportMetric(ratio(downT, "concurrent", "one"), "teardown-3/1")
	b.ReportMetric(ratio(setupT, "sequential", "concurrent"), "setup-seq/conc")
	b.ReportMetric(ratio(downT, "sequential", "concurrent"), "teardown-seq/conc")
	if rtt > 0 {
		// The same without the round trips: when three clusters in one
		// plan take as long as three one after another (conc/seq near 1),
		// the machine's CPU, not the round trips, sets the 3/1 ratio.
		for _, w := range ways {
			b.ReportMetric(setupT[key{w.name, 0}].Seconds()*1000/n, "ms-setup-"+w.name+"-rtt0")
		}
		b.ReportMetric(setupT[key{"concurrent", 0}].Seconds()/setupT[key{"sequential", 0}].Seconds(), "setup-conc/seq-rtt0")
		// The CPU three setups need, over the machine's cores, is the
		// least wall time three clusters in one plan can take here (the
		// same work runs with or without the round trips); next to
		// ms-setup-one it says how close to 1 the 3/1 ratio could get on
		// this machine if every lane's CPU burst fell into the others'
		// round-trip waits.
		for _, w := range ways {
			k := key{w.name, 0}
			b.ReportMetric(bedCPU[k].Seconds()*1000/n, "cpu-ms-setup-"+w.name+"-rtt0-bed")
			b.ReportMetric(selfCPU[k].Seconds()*1000/n, "cpu-ms-setup-"+w.name+"-rtt0-meshwiz")
		}
		k := key{"concurrent", 0}
		b.ReportMetric((bedCPU[k]+selfCPU[k]).Seconds()*1000/n/float64(runtime.NumCPU()), "ms-setup-concurrent-cpu-floor")
	}
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
