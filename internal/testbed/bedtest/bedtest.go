// Package bedtest is what the integration tests of meshwiz's packages share
// about the test bed: the bed they start, a mesh config for clusters of a
// bed, the client bundles and intermediates a run on the bed needs, and
// reading a run's summary. It imports no package under test but mesh, kube,
// certs and steps, so that any of those (install's own tests included) may
// use it; install/installtest adds "install on the bed".
package bedtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// TwoMeshes is the bed of the install, teardown and verify tests: east and
// west for a multi-primary mesh, hub (primary) and spoke (remote) for a
// primary-remote one. hub's load balancer hands out addresses that are not
// loopback, because spoke's istiod EndpointSlice points at hub's gateway.
func TwoMeshes() testbed.Options {
	return testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "east"}, {Name: "west"},
		{Name: "hub", LoadBalancerNet: "203.0.113.0/24"}, {Name: "spoke"},
	}}
}

// Mesh builds a defaulted, valid mesh config for contexts of a bed: each
// cluster named after its context, on network net-<context> when
// multiNetwork, its CA in a directory of the test's own.
func Mesh(t testing.TB, model mesh.Model, multiNetwork bool, contexts ...string) *mesh.Config {
	t.Helper()
	return EditedMesh(t, model, multiNetwork, nil, contexts...)
}

// EditedMesh is Mesh with edit applied (when not nil) before the config is
// defaulted and validated.
func EditedMesh(t testing.TB, model mesh.Model, multiNetwork bool, edit func(*mesh.Config), contexts ...string) *mesh.Config {
	t.Helper()
	cfg := &mesh.Config{APIVersion: mesh.APIVersion, Kind: mesh.Kind, Model: model}
	for _, c := range contexts {
		cl := mesh.Cluster{Context: c, Name: c}
		if multiNetwork {
			cl.Network = "net-" + c
		}
		cfg.Clusters = append(cfg.Clusters, cl)
	}
	cfg.Security.CA.Dir = t.TempDir()
	if edit != nil {
		edit(cfg)
	}
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Client is the bundle of context on bed b, built from the bed's
// kubeconfig as meshwiz builds it.
func Client(t testing.TB, b *testbed.Bed, context string) *kube.Client {
	t.Helper()
	c, err := kube.Loader{Kubeconfig: b.Kubeconfig}.NewClient(context)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Clients are the bundles of contexts on bed b, in order.
func Clients(t testing.TB, b *testbed.Bed, contexts ...string) []*kube.Client {
	t.Helper()
	out := make([]*kube.Client, len(contexts))
	for i, c := range contexts {
		out[i] = Client(t, b, c)
	}
	return out
}

// ClientsOf are the bundles of cfg's clusters on bed b, by context (what a
// run's Clients field takes).
func ClientsOf(t testing.TB, b *testbed.Bed, cfg *mesh.Config) map[string]*kube.Client {
	t.Helper()
	out := map[string]*kube.Client{}
	for _, cl := range cfg.Clusters {
		out[cl.Context] = Client(t, b, cl.Context)
	}
	return out
}

// Admin is a bundle for cluster name of bed b straight from its admin
// REST config, past the kubeconfig.
func Admin(t testing.TB, b *testbed.Bed, name string) *kube.Client {
	t.Helper()
	c, err := kube.NewClientForConfig(name, b.Cluster(name).RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Intermediates makes (or reuses) the mesh CA in cfg's CA directory and
// returns each cluster's intermediate by cluster name, with 2048-bit keys
// (fast enough for tests).
func Intermediates(t testing.TB, cfg *mesh.Config) map[string]*certs.Intermediate {
	t.Helper()
	names := make([]string, len(cfg.Clusters))
	for i, cl := range cfg.Clusters {
		names[i] = cl.Name
	}
	_, inters, _, err := certs.EnsureDir(cfg.Security.CA.Dir, names, certs.Options{KeyBits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*certs.Intermediate{}
	for _, in := range inters {
		out[in.Cluster] = in
	}
	return out
}

// Event is the event of step id in cluster (a kube context; "" for a mesh
// step) in sum, or the zero Event.
func Event(sum steps.Summary, id, cluster string) steps.Event {
	for _, e := range sum.Steps {
		if e.Step.ID == id && e.Step.Cluster == cluster {
			return e
		}
	}
	return steps.Event{}
}

// DescribeRun is one line per step of sum (id@cluster, status, duration,
// message), for failure messages.
func DescribeRun(sum steps.Summary) string {
	var b strings.Builder
	for _, e := range sum.Steps {
		fmt.Fprintf(&b, "  %-36s %-8s %6.1fs  %s\n", e.Step.String(), e.Status, e.Took.Seconds(), e.Message)
	}
	return b.String()
}
