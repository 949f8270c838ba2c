package checks

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// runPlan runs the full check set on the given clusters and returns how long it took.
func runPlan(b *testing.B, cls []Cluster) time.Duration {
	b.Helper()
	plan, err := Plan(Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := steps.Run(context.Background(), plan, nil); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkCheckConcurrency runs the full check set on 1 cluster, on 3
// clusters at once, and on the same 3 clusters one after another, and
// reports the times and the ratios: 3 clusters at once should cost about
// one cluster, not three. On loopback the apiservers and meshwiz share this
// machine's cores, so the run is CPU-bound; rtt=20ms adds a simulated
// round-trip time to every request, as a remote cluster has.
//
//	go test -run '^$' -bench CheckConcurrency ./internal/checks/
func BenchmarkCheckConcurrency(b *testing.B) {
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run("rtt="+rtt.String(), func(b *testing.B) {
			bd := testbed.Shared()
			names := []string{"good", "poddup", "noadm"}
			var one, conc, seq time.Duration
			for b.Loop() {
				cls := clustersB(b, bd, rtt, names...)
				one += runPlan(b, cls[:1])
				cls = clustersB(b, bd, rtt, names...)
				conc += runPlan(b, cls)
				cls = clustersB(b, bd, rtt, names...)
				for _, c := range cls {
					seq += runPlan(b, []Cluster{c})
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(one.Milliseconds())/n, "ms-1cluster")
			b.ReportMetric(float64(conc.Milliseconds())/n, "ms-3concurrent")
			b.ReportMetric(float64(seq.Milliseconds())/n, "ms-3sequential")
			b.ReportMetric(float64(conc)/float64(one), "concurrent/1cluster")
			b.ReportMetric(float64(seq)/float64(conc), "sequential/concurrent")
		})
	}
}

// clustersB builds fresh clients (so no fact is cached) for contexts of the
// bed, each request delayed by rtt.
func clustersB(b *testing.B, bd *testbed.Bed, rtt time.Duration, contexts ...string) []Cluster {
	var out []Cluster
	for _, c := range contexts {
		cl, err := kube.Loader{Kubeconfig: bd.Kubeconfig}.NewClient(c)
		if err != nil {
			b.Fatal(err)
		}
		if rtt > 0 {
			cfg := cl.Config
			cfg.Wrap(testbed.WithLatency(rtt))
			if cl, err = kube.NewClientForConfig(c, cfg); err != nil {
				b.Fatal(err)
			}
		}
		out = append(out, Cluster{Client: cl, Name: c})
	}
	return out
}

// BenchmarkOverlap5000Nodes starts its own bed of 3 clusters, gives each
// 5,000 nodes with pod CIDRs (plus the kwok one), and runs the pod and
// service overlap checks end to end (paginated node lists included). It
// reports the time per run, the bytes allocated per run and the heap's peak.
//
//	go test -run '^$' -bench Overlap5000 -benchtime 3x ./internal/checks/
func BenchmarkOverlap5000Nodes(b *testing.B) {
	const nodes = 5000
	ctx := context.Background()
	bd, err := testbed.Start(ctx, testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "n1", PodCIDR: "10.200.0.0/16", ServiceCIDR: "127.110.0.0/16"},
		{Name: "n2", PodCIDR: "10.201.0.0/16", ServiceCIDR: "127.111.0.0/16"},
		{Name: "n3", PodCIDR: "10.202.0.0/16", ServiceCIDR: "127.112.0.0/16"},
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer bd.Stop()
	created := time.Now()
	var wg sync.WaitGroup
	for i, c := range bd.Clusters {
		wg.Go(func() { createNodes(b, c.Clientset(), c.Name, 32+i*64, nodes) })
	}
	wg.Wait()
	b.Logf("created %d nodes in each of 3 clusters in %s", nodes, time.Since(created).Round(time.Second))
	var ids []string
	for _, d := range perCluster {
		if d.id != "cluster/api-reachable" {
			ids = append(ids, d.id)
		}
	}
	for _, d := range crossCluster {
		if !strings.HasSuffix(d.id, "-overlap") {
			ids = append(ids, d.id)
		}
	}
	b.ResetTimer()
	b.ReportAllocs()
	for b.Loop() {
		cls := clustersB(b, bd, 0, "n1", "n2", "n3")
		plan, err := Plan(Options{Clusters: cls, Skip: ids, AllowLoopbackServers: true})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := steps.Run(ctx, plan, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range sum.Steps {
			if strings.HasSuffix(e.Step.ID, "-overlap") && e.Status != steps.Passed {
				b.Fatalf("%s: %s %s", e.Step, e.Status, e.Message)
			}
		}
	}
	// HeapSys is what the heap ever took from the OS: an upper bound of the
	// peak heap (node creation above included).
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "MB-heap-sys")
}

// createNodes creates n nodes with /24 pod CIDRs from 10.<base>.0.0 upward.
func createNodes(b *testing.B, cs kubernetes.Interface, cluster string, base, n int) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for k := range work {
				cidr := fmt.Sprintf("%d.%d.%d.0/24", 10+k/65536, (base+k/256)%256, k%256)
				node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-bulk-%05d", cluster, k)},
					Spec: corev1.NodeSpec{PodCIDR: cidr, PodCIDRs: []string{cidr}}}
				if _, err := cs.CoreV1().Nodes().Create(context.Background(), node, metav1.CreateOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for k := range n {
		work <- k
	}
	close(work)
	wg.Wait()
}
