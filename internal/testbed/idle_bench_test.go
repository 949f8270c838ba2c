package testbed_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// BenchmarkIdleCluster measures what two started, idle bed clusters cost per
// minute of CPU (user + system of etcd and every component), with the bed's
// own controller list for kube-controller-manager (kcmControllers) and with
// kcm's defaults (every controller but the cloud ones and the service
// load-balancer one, which the bed's assigner replaces). The suite keeps up
// to a dozen clusters running at once on 2 cores, so their idle cost is
// part of make test's time.
//
//	go test -run '^$' -bench IdleCluster -benchtime 1x ./internal/testbed/
//	MESHWIZ_BENCH_IDLE=2m ... (a longer idle window than the default 60s)
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
	perMin := func(d time.Duration) float64 { return d.Seconds() * 1000 / idle.Minutes() }
	for b.Loop() {
		for _, l := range lists {
			var flags []string
			if l.flag != "" {
				flags = []string{l.flag}
			}
			bed, err := testbed.Start(context.Background(), testbed.Options{Clusters: []testbed.ClusterSpec{
				{Name: "i1", ControllerManagerFlags: flags}, {Name: "i2", ControllerManagerFlags: flags}}})
			if err != nil {
				b.Fatal(err)
			}
			// Start returns once both clusters serve and their nodes are
			// Ready; let the controllers' first sync settle before the
			// window opens.
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
			b.Logf("%s controllers, 2 idle clusters, %v: %v", l.name, idle, diff(before, after))
		}
	}
}

// diff is after - before per component.
func diff(before, after map[string]time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	for k, v := range after {
		out[k] = (v - before[k]).Round(10 * time.Millisecond)
	}
	return out
}
