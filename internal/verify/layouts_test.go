package verify_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/sample"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/teardown"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
	"github.com/meshwiz/meshwiz/internal/testbed/xdsproxy"
	"github.com/meshwiz/meshwiz/internal/verify"
)

// istiodEnv makes a dead remote cluster show as "timeout" in seconds, not 30 s.
var istiodEnv = []string{"PILOT_REMOTE_CLUSTER_TIMEOUT=5s"}

// negativeSettle is how long verify waits for a mesh the negative cases
// broke: long enough for istiod to see the change (a watch event, or the
// dead server's 5 s PILOT_REMOTE_CLUSTER_TIMEOUT) on a loaded machine.
const negativeSettle = 10 * time.Second

// runVerify runs verify's plan against the layout with istiod reached at the
// given local addresses.
func runVerify(t *testing.T, l *layout, addrs map[string]string, settle time.Duration) steps.Summary {
	t.Helper()
	sum, err := steps.Run(t.Context(), verify.Plan(l.clients, verify.Options{Reacher: verify.Static(addrs), Settle: settle}), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// endpointsOf asks istiod, as a fake sidecar in cluster/network, for the
// sample's endpoints until want matches (sorted host:port list).
func endpointsOf(t *testing.T, ist *testbed.Istiod, clusterID, network string, want []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	slices.Sort(want)
	got, err := xdsproxy.Eventually(ctx, ist.GRPCAddr, xdsproxy.Node{ClusterID: clusterID, Network: network},
		xdsproxy.OutboundCluster(sample.Host, sample.Port), func(eps []xdsproxy.Endpoint) bool {
			return slices.Equal(hostPorts(eps), want)
		})
	if err != nil || !slices.Equal(hostPorts(got), want) {
		t.Errorf("a proxy in %s (network %q) via istiod of %s gets %v, want %v (err %v)", clusterID, network, ist.Cluster, hostPorts(got), want, err)
	}
}

func hostPorts(eps []xdsproxy.Endpoint) []string {
	var out []string
	for _, e := range eps {
		out = append(out, e.HostPort())
	}
	slices.Sort(out)
	return out
}

func gatewayAddr(t *testing.T, c *kube.Client) string {
	t.Helper()
	svc, err := c.Kube.CoreV1().Services(install.Namespace).Get(t.Context(), install.EastWestService, metav1.GetOptions{})
	if err != nil || len(svc.Status.LoadBalancer.Ingress) == 0 {
		t.Fatalf("no east-west gateway address in %s: %v", c.Context, err)
	}
	return svc.Status.LoadBalancer.Ingress[0].IP
}

// prove runs verify against the layout and a fake sidecar in every cluster:
// every primary's istiod has synced every other cluster, and a proxy in each
// cluster (served by its own or its primary's istiod) gets the sample's
// endpoints of every cluster: pod IPs on its own network, the other
// network's east-west gateway on 15443 otherwise.
func prove(t *testing.T, l *layout, ists map[string]*testbed.Istiod, ips map[string][]string) steps.Summary {
	t.Helper()
	addrs := map[string]string{}
	for _, cl := range l.cfg.Clusters {
		if cl.Role == mesh.Primary {
			addrs[cl.Context] = ists[cl.Context].HTTPAddr
		}
	}
	sum := runVerify(t, l, addrs, 90*time.Second)
	if sum.Failed() {
		t.Fatalf("verify failed:\n%s", bedtest.DescribeRun(sum))
	}
	for _, p := range l.cfg.Clusters {
		e := bedtest.Event(sum, verify.IDIstiod, p.Context)
		if p.Role != mesh.Primary {
			if e.Status != steps.Skipped {
				t.Errorf("the remote %s's istiod step: %s %s", p.Name, e.Status, e.Message)
			}
			continue
		}
		for _, o := range l.cfg.Clusters {
			if o.Name != p.Name && !strings.Contains(e.Message, o.Name+" (synced)") {
				t.Errorf("istiod in %s does not report %s synced: %s", p.Name, o.Name, e.Message)
			}
		}
	}
	if m, ok := bedtest.Event(sum, verify.IDMesh, "").Details.(*verify.Matrix); !ok || !m.Healthy() {
		t.Errorf("matrix: %+v", bedtest.Event(sum, verify.IDMesh, "").Details)
	}
	gw := map[string]string{}
	for i, cl := range l.cfg.Clusters {
		if l.cfg.MultiNetwork() {
			gw[cl.Name] = gatewayAddr(t, l.clients[i])
		}
	}
	for _, from := range l.cfg.Clusters {
		serving := from.Name
		if from.Role != mesh.Primary {
			serving = from.Primary
		}
		var want []string
		for _, to := range l.cfg.Clusters {
			if to.Network == from.Network {
				want = append(want, ips[to.Name][0]+":5000")
			} else {
				want = append(want, gw[to.Name]+":15443")
			}
		}
		endpointsOf(t, ists[serving], from.Name, from.Network, want)
	}
	return sum
}

// startIstiods starts the real istiod of every primary of the layouts.
func startIstiods(t *testing.T, ls ...*layout) map[string]*testbed.Istiod {
	ists := map[string]*testbed.Istiod{}
	for _, l := range ls {
		for _, cl := range l.cfg.Clusters {
			if cl.Role == mesh.Primary {
				ists[cl.Name] = testbed.IstiodForTest(t, testbed.Shared(), cl.Context, testbed.IstiodOptions{Env: istiodEnv})
			}
		}
	}
	return ists
}

func stopIstiods(t *testing.T, ists map[string]*testbed.Istiod) {
	for name, ist := range ists {
		if err := ist.Stop(); err != nil {
			t.Errorf("stopping istiod of %s: %v", name, err)
		}
	}
}

// setupAll sets the layouts up concurrently (they use distinct clusters).
func setupAll(t *testing.T, ls ...*layout) {
	t.Helper()
	errs := make(chan error, len(ls))
	for _, l := range ls {
		go func() { errs <- l.setup(t.Context()) }()
	}
	for range ls {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// teardownAll removes what meshwiz installed in the clusters, with meshwiz's teardown engine.
func teardownAll(t *testing.T, ls ...*layout) {
	t.Helper()
	var clients []*kube.Client
	for _, l := range ls {
		clients = append(clients, l.clients...)
	}
	inv, err := teardown.Discover(t.Context(), teardown.Options{Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := teardown.Plan(inv)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := steps.Run(t.Context(), plan, nil)
	if err != nil || sum.Failed() {
		t.Fatalf("teardown: %v\n%s", err, bedtest.DescribeRun(sum))
	}
}

// TestLayoutsProvenByRealIstiod proves the five layouts with the real istiod,
// two at a time on the bed's four clusters: (1) multi-primary on two networks
// (east, west) and primary-remote on one network (hub, spoke), with the
// negative cases verify must explain; (2) multi-primary on one network and
// primary-remote on two networks; (3) primary-remote with two primaries
// (hub with its remote spoke, and east). Each is set up through the engine
// and torn down with meshwiz's teardown before the next.
func TestLayoutsProvenByRealIstiod(t *testing.T) {
	bed := testbed.Shared()
	ips := map[string][]string{}
	for name, version := range map[string]string{"east": "v1", "west": "v2", "hub": "v1", "spoke": "v2"} {
		got, err := sample.Deploy(t.Context(), bed.Cluster(name).Clientset(), version)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ips[name] = got
	}

	mp := newLayout(t, mesh.MultiPrimary, true, nil, "east", "west")
	pr := newLayout(t, mesh.PrimaryRemote, false, nil, "hub", "spoke")
	setupAll(t, mp, pr)
	ists := startIstiods(t, mp, pr)
	addrs := map[string]string{"east": ists["east"].HTTPAddr, "west": ists["west"].HTTPAddr, "hub": ists["hub"].HTTPAddr}
	t.Run("multi-primary two networks", func(t *testing.T) { prove(t, mp, ists, ips) })
	t.Run("primary-remote one network", func(t *testing.T) { prove(t, pr, ists, ips) })

	// The negative cases: verify waits negativeSettle for a healthy mesh,
	// then reports what is wrong. The two on the multi-primary layout run
	// one after the other (both change east-west); the primary-remote one
	// runs beside them.
	t.Run("negative", func(t *testing.T) {
		t.Run("multi-primary", func(t *testing.T) {
			t.Parallel()
			t.Run("remote secret with a dead server", func(t *testing.T) {
				restore := rewriteRemoteSecret(t, mp.clients[0], "west", "https://127.0.0.1:1")
				defer restore()
				sum := runVerify(t, mp, addrs, negativeSettle)
				e := bedtest.Event(sum, verify.IDIstiod, "east")
				if e.Status != steps.Failed || !strings.Contains(e.Message, "istiod in east has not synced west") {
					t.Errorf("verify did not report the unreachable server:\n%s", bedtest.DescribeRun(sum))
				}
				if m, ok := bedtest.Event(sum, verify.IDMesh, "").Details.(*verify.Matrix); !ok || m.Cells[0][1] != "not synced" {
					t.Errorf("matrix: %+v", bedtest.Event(sum, verify.IDMesh, "").Details)
				}
			})

			t.Run("network label missing", func(t *testing.T) {
				patchNetworkLabel(t, mp.clients[1], nil)
				defer patchNetworkLabel(t, mp.clients[1], ptr("net-west"))
				sum := runVerify(t, mp, addrs, negativeSettle)
				e := bedtest.Event(sum, verify.IDEndpoints, "east")
				if e.Status != steps.Failed || !strings.Contains(e.Message, "from west carry no network") {
					t.Errorf("verify did not report the missing label:\n%s", bedtest.DescribeRun(sum))
				}
			})
		})
		t.Run("primary-remote", func(t *testing.T) {
			t.Parallel()
			t.Run("a primary that reads nobody", func(t *testing.T) {
				hub := pr.clients[0]
				sec, err := hub.Kube.CoreV1().Secrets(install.Namespace).Get(t.Context(), mesh.RemoteSecretName("spoke"), metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if err := hub.Kube.CoreV1().Secrets(install.Namespace).Delete(t.Context(), sec.Name, metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
				defer func() {
					sec.ResourceVersion = ""
					if _, err := hub.Kube.CoreV1().Secrets(install.Namespace).Create(context.Background(), sec, metav1.CreateOptions{}); err != nil {
						t.Error(err)
					}
				}()
				sum := runVerify(t, pr, addrs, negativeSettle)
				e := bedtest.Event(sum, verify.IDIstiod, "hub")
				if e.Status != steps.Failed || !strings.Contains(e.Message, "istiod in hub does not read spoke: no remote secret") {
					t.Errorf("verify did not report the primary that reads nobody:\n%s", bedtest.DescribeRun(sum))
				}
			})
		})
	})

	stopIstiods(t, ists)
	teardownAll(t, mp, pr)
	mp1 := newLayout(t, mesh.MultiPrimary, false, nil, "east", "west")
	pr2 := newLayout(t, mesh.PrimaryRemote, true, nil, "hub", "spoke")
	setupAll(t, mp1, pr2)
	ists = startIstiods(t, mp1, pr2)
	t.Run("multi-primary one network", func(t *testing.T) { prove(t, mp1, ists, ips) })
	t.Run("primary-remote two networks", func(t *testing.T) { prove(t, pr2, ists, ips) })

	stopIstiods(t, ists)
	teardownAll(t, mp1, pr2)
	two := newLayout(t, mesh.PrimaryRemote, false, func(cfg *mesh.Config) {
		cfg.Clusters[0].Role = mesh.Primary
		cfg.Clusters[1].Role, cfg.Clusters[1].Primary = mesh.Remote, "hub"
		cfg.Clusters[2].Role = mesh.Primary
	}, "hub", "spoke", "east")
	setupAll(t, two)
	ists = startIstiods(t, two)
	t.Run("primary-remote with two primaries", func(t *testing.T) { prove(t, two, ists, ips) })
}

func ptr(s string) *string { return &s }

// rewriteRemoteSecret points the kubeconfig in c's remote secret for source
// at server and returns a function that puts the original back.
func rewriteRemoteSecret(t *testing.T, c *kube.Client, source, server string) func() {
	t.Helper()
	secrets := c.Kube.CoreV1().Secrets(install.Namespace)
	sec, err := secrets.Get(t.Context(), mesh.RemoteSecretName(source), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	orig := sec.DeepCopy()
	cfg, err := clientcmd.Load(sec.Data[source])
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range cfg.Clusters {
		cl.Server = server
	}
	if sec.Data[source], err = clientcmd.Write(*cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Update(t.Context(), sec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return func() {
		cur, err := secrets.Get(context.Background(), orig.Name, metav1.GetOptions{})
		if err == nil {
			cur.Data = orig.Data
			_, err = secrets.Update(context.Background(), cur, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Errorf("restoring %s: %v", orig.Name, err)
		}
	}
}

// patchNetworkLabel sets (or with nil removes) the network label of c's istio-system.
func patchNetworkLabel(t *testing.T, c *kube.Client, value *string) {
	t.Helper()
	v := "null"
	if value != nil {
		v = fmt.Sprintf("%q", *value)
	}
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%s}}}`, install.NetworkLabel, v)
	if _, err := c.Kube.CoreV1().Namespaces().Patch(context.Background(), install.Namespace, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
