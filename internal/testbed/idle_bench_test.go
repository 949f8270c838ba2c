package testbed_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// BenchmarkIdleCluster measures what starting two bed clusters costs in CPU
// (user + system of etcd and every component, until Start returns) and what
// they cost per minute while idle, with the bed's own controller list for
// kube-controller-manager (kcmControllers) and with kcm's defaults (every
// controller but the cloud ones and the service load-balancer one, which
// the bed's assigner replaces). The suite starts some forty clusters and
// keeps up to a dozen running at once on 2 cores, so both are part of make
// test's time.
//
//	go test -run '^$' -bench IdleCluster -benchtime 1x ./internal/testbed/
//	MESHWIZ_BENCH_IDLE=2m ... (a longer idle window than the default 60s)
//	MESHWIZ_BENCH_APISERVER_FLAGS='--watch-cache=false ...' (to try flags)
//	MESHWIZ_BENCH_ONLY=bed ... (only one of the two lists)
func BenchmarkIdleCluster(b *testing.B) {
	idle := time.Minute
	if v := os.Getenv("MESHWIZ_BENCH_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		idle = d
	}
	lists := []struct{ name, flag string }{
		{"bed", ""},
		{"defaults", "--controllers=*,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller"},
	}
	if only := os.Getenv("MESHWIZ_BENCH_ONLY"); only != "" {
		lists = slices.DeleteFunc(lists, func(l struct{ name, flag string }) bool { return l.name != only })
	}
	perMin := func(d time.Duration) float64 { return d.Seconds() * 1000 / idle.Minutes() }
	for b.Loop() {
		for _, l := range lists {
			var flags []string
			if l.flag != "" {
				flags = []string{l.flag}
			}
			api := strings.Fields(os.Getenv("MESHWIZ_BENCH_APISERVER_FLAGS"))
			bed, err := testbed.Start(context.Background(), testbed.Options{Clusters: []testbed.ClusterSpec{
				{Name: "i1", ControllerManagerFlags: flags, APIServerFlags: api},
				{Name: "i2", ControllerManagerFlags: flags, APIServerFlags: api}}})
			if err != nil {
				b.Fatal(err)
			}
			// What starting cost: until Start returns (both clusters
			// serve, nodes Ready, default ServiceAccount).
			started, err := bed.CPUTime()
			if err != nil {
				b.Fatal(err)
			}
			// Let the controllers' first sync settle before the window
			// opens.
			time.Sleep(10 * time.Second)
			before, err := bed.CPUTime()
			if err != nil {
				b.Fatal(err)
			}
			time.Sleep(idle)
			after, err := bed.CPUTime()
			if err != nil {
				b.Fatal(err)
			}
			if err := bed.Stop(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(perMin(testbed.Total(after)-testbed.Total(before)), "cpu-ms/min-"+l.name)
			b.ReportMetric(perMin(after["kube-controller-manager"]-before["kube-controller-manager"]), "kcm-cpu-ms/min-"+l.name)
			b.ReportMetric(testbed.Total(started).Seconds()*1000/2, "start-cpu-ms/cluster-"+l.name)
			b.Logf("%s controllers, 2 clusters: start %v; idle %v: %v", l.name, roundAll(started), idle, diff(before, after))
		}
	}
}

func roundAll(m map[string]time.Duration) map[string]time.Duration {
	return diff(nil, m)
}

// diff is after - before per component.
func diff(before, after map[string]time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	for k, v := range after {
		out[k] = (v - before[k]).Round(10 * time.Millisecond)
	}
	return out
}
