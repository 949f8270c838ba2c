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
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/xdsproxy"
	"github.com/meshwiz/meshwiz/internal/verify"
)

// istiodEnv makes a dead remote cluster show as "timeout" in seconds, not 30 s.
var istiodEnv = []string{"PILOT_REMOTE_CLUSTER_TIMEOUT=5s"}

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

func event(sum steps.Summary, id, cluster string) steps.Event {
	for _, e := range sum.Steps {
		if e.Step.ID == id && e.Step.Cluster == cluster {
			return e
		}
	}
	return steps.Event{}
}

func describe(sum steps.Summary) string {
	var b strings.Builder
	for _, e := range sum.Steps {
		fmt.Fprintf(&b, "  %-28s %-8s %s\n", e.Step, e.Status, e.Message)
	}
	return b.String()
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

// TestLayoutsProvenByRealIstiod sets up two layouts at once on the bed
// (multi-primary on two networks: east+west; primary-remote on one network:
// hub+spoke), runs the real istiod for every primary, deploys the sample and
// checks what istiod syncs and what a proxy in each cluster gets; then breaks
// each layout in the ways verify must explain.
func TestLayoutsProvenByRealIstiod(t *testing.T) {
	bed := testbed.Shared()
	mp := newLayout(t, mesh.MultiPrimary, true, nil, "east", "west")
	pr := newLayout(t, mesh.PrimaryRemote, false, nil, "hub", "spoke")
	errs := make(chan error, 2)
	for _, l := range []*layout{mp, pr} {
		go func() { errs <- l.setup(t.Context()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	ists := map[string]*testbed.Istiod{}
	for _, name := range []string{"east", "west", "hub"} {
		ists[name] = testbed.IstiodForTest(t, bed, name, testbed.IstiodOptions{Env: istiodEnv})
	}
	ips := map[string][]string{}
	for name, version := range map[string]string{"east": "v1", "west": "v2", "hub": "v1", "spoke": "v2"} {
		got, err := sample.Deploy(t.Context(), bed.Cluster(name).Clientset(), version)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ips[name] = got
	}
	addrs := map[string]string{}
	for name, ist := range ists {
		addrs[name] = ist.HTTPAddr
	}

	t.Run("multi-primary two networks", func(t *testing.T) {
		sum := runVerify(t, mp, addrs, 90*time.Second)
		if sum.Failed() {
			t.Fatalf("verify failed:\n%s", describe(sum))
		}
		for _, p := range []string{"east", "west"} {
			if e := event(sum, verify.IDIstiod, p); !strings.Contains(e.Message, "(synced)") {
				t.Errorf("istiod in %s: %s", p, e.Message)
			}
		}
		gw := map[string]string{"east": gatewayAddr(t, mp.clients[0]), "west": gatewayAddr(t, mp.clients[1])}
		m := event(sum, verify.IDMesh, "").Details.(*verify.Matrix)
		if m.Cells[0][1] != "gateway "+gw["west"]+":15443" || m.Cells[1][0] != "gateway "+gw["east"]+":15443" {
			t.Errorf("matrix %v, want gateways %v", m.Cells, gw)
		}
		// What a sidecar really receives: local pod IPs, the other network's gateway.
		endpointsOf(t, ists["east"], "east", "net-east", []string{ips["east"][0] + ":5000", gw["west"] + ":15443"})
		endpointsOf(t, ists["west"], "west", "net-west", []string{ips["west"][0] + ":5000", gw["east"] + ":15443"})
	})

	t.Run("primary-remote one network", func(t *testing.T) {
		sum := runVerify(t, pr, addrs, 90*time.Second)
		if sum.Failed() {
			t.Fatalf("verify failed:\n%s", describe(sum))
		}
		if e := event(sum, verify.IDIstiod, "spoke"); e.Status != steps.Skipped {
			t.Errorf("the remote's istiod step: %s %s", e.Status, e.Message)
		}
		m := event(sum, verify.IDMesh, "").Details.(*verify.Matrix)
		if m.Cells[0][1] != "direct" || m.Cells[1][0] != "direct" {
			t.Errorf("matrix %v", m.Cells)
		}
		want := []string{ips["hub"][0] + ":5000", ips["spoke"][0] + ":5000"}
		endpointsOf(t, ists["hub"], "hub", "", want)
		endpointsOf(t, ists["hub"], "spoke", "", want) // the remote's proxies are served by hub's istiod
	})

	t.Run("remote secret with a dead server", func(t *testing.T) {
		restore := rewriteRemoteSecret(t, mp.clients[0], "west", "https://127.0.0.1:1")
		defer restore()
		sum := runVerify(t, mp, addrs, 20*time.Second)
		e := event(sum, verify.IDIstiod, "east")
		if e.Status != steps.Failed || !strings.Contains(e.Message, "istiod in east has not synced west") {
			t.Errorf("verify did not report the unreachable server:\n%s", describe(sum))
		}
		if m, ok := event(sum, verify.IDMesh, "").Details.(*verify.Matrix); !ok || m.Cells[0][1] != "not synced" {
			t.Errorf("matrix: %+v", event(sum, verify.IDMesh, "").Details)
		}
	})

	t.Run("network label missing", func(t *testing.T) {
		patchNetworkLabel(t, mp.clients[1], nil)
		defer patchNetworkLabel(t, mp.clients[1], ptr("net-west"))
		sum := runVerify(t, mp, addrs, 20*time.Second)
		e := event(sum, verify.IDEndpoints, "east")
		if e.Status != steps.Failed || !strings.Contains(e.Message, "from west carry no network") {
			t.Errorf("verify did not report the missing label:\n%s", describe(sum))
		}
	})

	t.Run("a primary that reads nobody", func(t *testing.T) {
		hub := pr.clients[0]
		sec, err := hub.Kube.CoreV1().Secrets(install.Namespace).Get(t.Context(), install.RemoteSecretName("spoke"), metav1.GetOptions{})
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
		sum := runVerify(t, pr, addrs, 20*time.Second)
		e := event(sum, verify.IDIstiod, "hub")
		if e.Status != steps.Failed || !strings.Contains(e.Message, "istiod in hub does not read spoke: no remote secret") {
			t.Errorf("verify did not report the primary that reads nobody:\n%s", describe(sum))
		}
	})
}

func ptr(s string) *string { return &s }

// rewriteRemoteSecret points the kubeconfig in c's remote secret for source
// at server and returns a function that puts the original back.
func rewriteRemoteSecret(t *testing.T, c *kube.Client, source, server string) func() {
	t.Helper()
	secrets := c.Kube.CoreV1().Secrets(install.Namespace)
	sec, err := secrets.Get(t.Context(), install.RemoteSecretName(source), metav1.GetOptions{})
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
