package verify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Pages in the format of istiod's debug handlers (pilot/pkg/xds/debug.go).
const (
	clusterzPage = `[{"id":"west","secretName":"istio-system/istio-remote-secret-west","syncStatus":"synced"},
	                 {"id":"north","secretName":"istio-system/istio-remote-secret-north","syncStatus":"timeout"}]`
	networkzPage = `[{"Network":"net-west","Cluster":"west","Addr":"127.0.11.1","Port":15443,"HBONEPort":0}]`
	shardzPage   = `{"helloworld.sample.svc.cluster.local":{"sample":{"Shards":{
	  "Kubernetes/east":[{"Addresses":["10.244.0.3"],"Network":"net-east","TLSMode":"istio","EndpointPort":5000}],
	  "Kubernetes/west":[{"Addresses":["10.245.0.4"],"Network":"net-west","TLSMode":"istio","EndpointPort":5000}]},
	  "ServiceAccounts":{}}}}`
)

func TestReadIstiodParsesDebugPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := map[string]string{"/debug/clusterz": clusterzPage, "/debug/networkz": networkzPage, "/debug/endpointShardz": shardzPage}[r.URL.Path]
		if page == "" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(page))
	}))
	defer srv.Close()
	g, err := newGetter(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ist, err := readIstiod(context.Background(), g, []string{"helloworld.sample.svc.cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	if s := ist.sync("north"); s.SyncStatus != "timeout" || ist.sync("west").SyncStatus != "synced" || ist.sync("south").ID != "" {
		t.Errorf("clusters: %+v", ist.Clusters)
	}
	if gw := ist.gateways("net-west"); len(gw) != 1 || gw[0] != "127.0.11.1:15443" {
		t.Errorf("gateways of net-west: %v", gw)
	}
	sh, ok := ist.shard("helloworld.sample.svc.cluster.local", "west")
	if !ok || sh.Network != "net-west" || len(sh.Addresses) != 1 || sh.Addresses[0] != "10.245.0.4" {
		t.Errorf("west's shard: %+v %v", sh, ok)
	}
}

func TestGetterRefusesNonLoopback(t *testing.T) {
	for _, base := range []string{"http://10.244.0.7:8080", "http://203.0.113.5:15014", "http://istiod.istio-system:8080"} {
		if _, err := newGetter(base); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
			t.Errorf("%s: %v", base, err)
		}
	}
}

func TestStaticReacherNamesMissingContext(t *testing.T) {
	_, _, err := Static{"east": "127.0.0.1:1"}.Reach(context.Background(), &kube.Client{Context: "west"})
	if err == nil || !strings.Contains(err.Error(), "--istiod-address") || !strings.Contains(err.Error(), "west") {
		t.Errorf("err = %v", err)
	}
}

func TestPortForwardURL(t *testing.T) {
	for host, want := range map[string]string{
		"https://127.0.0.1:6443":         "https://127.0.0.1:6443/api/v1/namespaces/istio-system/pods/istiod-1/portforward",
		"https://api.example.com/prefix": "https://api.example.com/prefix/api/v1/namespaces/istio-system/pods/istiod-1/portforward",
	} {
		if got := PortForwardURL(host, "istio-system", "istiod-1").String(); got != want {
			t.Errorf("%s: %s, want %s", host, got, want)
		}
	}
}

func TestMatrixCells(t *testing.T) {
	east := &Cluster{Name: "east", Network: "n1", Primary: true, Istiod: &Istiod{
		Clusters: []ClusterSync{{ID: "west", SyncStatus: "synced"}, {ID: "north", SyncStatus: "timeout"}},
		Gateways: []Gateway{{Network: "n2", Addr: "127.0.11.1", Port: 15443}}}}
	west := &Cluster{Name: "west", Network: "n2", Primary: true, Istiod: &Istiod{}}
	north := &Cluster{Name: "north", Network: "n1"}
	spoke := &Cluster{Name: "spoke", Network: "n3", ControlPlane: "east"}
	orphan := &Cluster{Name: "orphan", Network: "n1", ControlPlane: "gone"}
	by := map[string]*Cluster{"east": east, "west": west, "north": north, "spoke": spoke}
	for _, tc := range []struct {
		from, to *Cluster
		want     string
	}{
		{east, east, "local"},
		{east, west, "gateway 127.0.11.1:15443"},
		{east, north, "not synced"},
		{west, east, "not read"},
		{spoke, west, "gateway 127.0.11.1:15443"}, // served by east's istiod
		{spoke, north, "not synced"},
		{east, spoke, "not read"},
		{orphan, east, "no istiod"},
	} {
		if got := cell(tc.from, tc.to, by); got != tc.want {
			t.Errorf("%s → %s: %q, want %q", tc.from.Name, tc.to.Name, got, tc.want)
		}
	}
	m := &Matrix{Clusters: []string{"east", "west"}, Cells: [][]string{{"local", "gateway 127.0.11.1:15443"}, {"not read", "local"}}}
	if m.Healthy() {
		t.Error("a matrix with 'not read' is healthy")
	}
	if lines := m.Lines(); len(lines) != 3 || !strings.Contains(lines[2], "not read") {
		t.Errorf("lines: %q", lines)
	}
}

// TestPortForwardGoesThroughTheAPIServer: Reach picks the ready istiod pod and
// asks the API server (here a loopback stand-in that refuses) for its
// portforward subresource; it never dials the pod. The bed cannot prove a
// real port-forward: kwok's fake nodes have no kubelet on loopback, and the
// apiserver would dial the node's address.
func TestPortForwardGoesThroughTheAPIServer(t *testing.T) {
	asked := make(chan string, 10)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- r.Method + " " + r.URL.Path
		http.Error(w, "pods/portforward is forbidden", http.StatusForbidden)
	}))
	defer api.Close()
	ready := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}
	cs := fake.NewClientset(
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "istiod-old", Namespace: "istio-system", Labels: map[string]string{"app": "istiod"}},
			Status: corev1.PodStatus{Phase: corev1.PodPending}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "istiod-abc", Namespace: "istio-system", Labels: map[string]string{"app": "istiod"}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.9", Conditions: []corev1.PodCondition{ready}}})
	c := &kube.Client{Context: "east", Kube: cs, Config: &rest.Config{Host: api.URL}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _, err := PortForward{}.Reach(ctx, c)
	if err == nil || !strings.Contains(err.Error(), "istio-system/istiod-abc") || !strings.Contains(err.Error(), "east") {
		t.Errorf("err = %v", err)
	}
	select {
	case got := <-asked:
		if got != "POST /api/v1/namespaces/istio-system/pods/istiod-abc/portforward" {
			t.Errorf("the API server was asked %s", got)
		}
	default:
		t.Error("the API server was not asked for a port-forward")
	}

	empty := &kube.Client{Context: "west", Kube: fake.NewClientset(), Config: &rest.Config{Host: api.URL}}
	if _, _, err := (PortForward{}).Reach(ctx, empty); err == nil || !strings.Contains(err.Error(), "no ready istiod pod") {
		t.Errorf("no pod: %v", err)
	}
}

func TestEndpointProblemsNameClusterAndReason(t *testing.T) {
	const host = "helloworld.sample.svc.cluster.local"
	mk := func(name, network string) *Cluster {
		return &Cluster{Context: name, Name: name, Network: network, Primary: true, Endpoints: map[string][]string{host: {"10.0.0.1"}}}
	}
	for _, tc := range []struct {
		name   string
		west   string // west's label
		shard  Shard  // what east's istiod holds from west
		gws    []Gateway
		want   string // "" = no problem
		hasWst bool
	}{
		{"all good", "n2", Shard{Cluster: "west", Network: "n2", Addresses: []string{"10.0.0.1"}}, []Gateway{{Network: "n1"}, {Network: "n2"}}, "", true},
		{"not held", "n2", Shard{}, []Gateway{{Network: "n2"}}, "istiod in east holds no endpoints of " + host + " from west", false},
		{"no network", "", Shard{Cluster: "west", Addresses: []string{"10.0.0.1"}}, nil, "from west carry no network", true},
		{"label differs", "n2", Shard{Cluster: "west", Network: "n3", Addresses: []string{"10.0.0.1"}}, nil, `puts west's endpoints on network "n3"`, true},
		{"no gateway", "n2", Shard{Cluster: "west", Network: "n2", Addresses: []string{"10.0.0.1"}}, nil, `no east-west gateway known for network "n2"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			east, west := mk("east", "n1"), mk("west", tc.west)
			ist := &Istiod{Gateways: tc.gws, Services: map[string][]Shard{host: {{Cluster: "east", Network: "n1", Addresses: []string{"10.0.0.1"}}}}}
			if tc.hasWst {
				ist.Services[host] = append(ist.Services[host], tc.shard)
			}
			v := &verifier{opts: Options{Services: []string{host}}, st: &state{clusters: map[string]*Cluster{"east": east, "west": west}},
				clients: []*kube.Client{{Context: "east"}, {Context: "west"}}}
			probs := strings.Join(v.endpointProblems(east, ist), "; ")
			if tc.want == "" && probs != "" || tc.want != "" && !strings.Contains(probs, tc.want) {
				t.Errorf("problems %q, want %q", probs, tc.want)
			}
		})
	}
}

// TestMeshStepPointsAtAnUnreachedIstiod: when a primary's istiod could not be
// asked, the matrix step's hint says to reach istiod first, not to run setup
// again (the cells say nothing about the mesh yet).
func TestMeshStepPointsAtAnUnreachedIstiod(t *testing.T) {
	st := &state{clusters: map[string]*Cluster{}}
	st.set(&Cluster{Context: "east", Name: "east", Network: "n1", Primary: true})
	st.set(&Cluster{Context: "west", Name: "west", Network: "n1", Primary: true, Istiod: &Istiod{
		Clusters: []ClusterSync{{ID: "east", SyncStatus: "synced"}}}})
	v := &verifier{st: st, clients: []*kube.Client{{Context: "east"}, {Context: "west"}}}
	_, err := v.mesh()
	var h steps.Hinter
	if err == nil || !errors.As(err, &h) {
		t.Fatalf("mesh step: %v, want an error with a hint", err)
	}
	if !strings.Contains(h.Hint(), "istiod of east could not be asked") || strings.Contains(h.Hint(), "meshwiz setup") {
		t.Errorf("hint: %q", h.Hint())
	}
}
