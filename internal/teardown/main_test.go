package teardown

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// The package's bed: east and west for multi-primary on two networks, hub
// (primary) and spoke (remote) for primary-remote. Each pair belongs to one
// chain of tests.
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "east"}, {Name: "west"},
		// spoke's istiod EndpointSlice points at hub's gateway: not loopback.
		{Name: "hub", LoadBalancerNet: "203.0.113.0/24"}, {Name: "spoke"},
	}})
}

// meshFor builds a defaulted, valid mesh config for contexts of the bed.
func meshFor(t testing.TB, model mesh.Model, multiNetwork bool, contexts ...string) *mesh.Config {
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
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// client builds the bundle of a bed context from the bed's kubeconfig, as
// meshwiz does.
func client(t testing.TB, context string) *kube.Client {
	t.Helper()
	c, err := kube.Loader{Kubeconfig: testbed.Shared().Kubeconfig}.NewClient(context)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func clients(t *testing.T, contexts ...string) []*kube.Client {
	out := make([]*kube.Client, len(contexts))
	for i, c := range contexts {
		out[i] = client(t, c)
	}
	return out
}

// installPlan is the install plan for cfg on the shared bed, or with the
// given client bundles (one per cluster of cfg, in order).
func installPlan(t testing.TB, cfg *mesh.Config, cs ...*kube.Client) []steps.Step {
	t.Helper()
	env := install.Env{Clients: map[string]*kube.Client{}, Certs: map[string]*certs.Intermediate{},
		HelmTimeout: 2 * time.Minute, AddressTimeout: time.Minute}
	var names []string
	for i, cl := range cfg.Clusters {
		if len(cs) > 0 {
			env.Clients[cl.Context] = cs[i]
		} else {
			env.Clients[cl.Context] = client(t, cl.Context)
		}
		names = append(names, cl.Name)
	}
	_, inters, _, err := certs.EnsureDir(cfg.Security.CA.Dir, names, certs.Options{KeyBits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inters {
		env.Certs[in.Cluster] = in
	}
	plan, err := install.Plan(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// setup installs cfg (with the given client bundles, else the shared bed's)
// and fails the test on any failed step.
func setup(t testing.TB, cfg *mesh.Config, cs ...*kube.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	sum, err := steps.Run(ctx, installPlan(t, cfg, cs...), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sum.Steps {
		if e.Status == steps.Failed || e.Status == steps.Skipped && !strings.Contains(e.Message, "mTLS") && !strings.Contains(e.Message, "injection") {
			t.Fatalf("setup: %s %s: %s (hint: %s)\n%s", e.Step, e.Status, e.Message, e.Hint, describeRun(sum))
		}
	}
}

// outcome is one teardown: the inventory before, the run, the inventory after.
type outcome struct {
	before, after *Inventory
	sum           steps.Summary
	plan          []steps.Step
}

// teardownWith discovers, plans and runs with opts (observe may be nil).
func teardownWith(t *testing.T, ctx context.Context, opts Options, observe steps.Observer) outcome {
	t.Helper()
	var o outcome
	var err error
	if o.before, err = Discover(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if o.plan, err = Plan(o.before); err != nil {
		t.Fatal(err)
	}
	if o.sum, err = steps.Run(ctx, o.plan, observe); err != nil {
		t.Fatal(err)
	}
	if o.after, err = Discover(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	return o
}

// describeRun is one line per step, for failure messages.
func describeRun(sum steps.Summary) string {
	var b strings.Builder
	for _, e := range sum.Steps {
		fmt.Fprintf(&b, "  %-32s %-8s %5.1fs  %s\n", e.Step.String(), e.Status, e.Took.Seconds(), e.Message)
	}
	return b.String()
}

// wantPassed fails the test unless every step passed.
func wantPassed(t *testing.T, o outcome) {
	t.Helper()
	for _, e := range o.sum.Steps {
		if e.Status != steps.Passed {
			t.Fatalf("teardown step %s %s: %s\n%s", e.Step, e.Status, e.Message, describeRun(o.sum))
		}
	}
}

func stepOf(sum steps.Summary, id, cluster string) steps.Event {
	for _, e := range sum.Steps {
		if e.Step.ID == id && e.Step.Cluster == cluster {
			return e
		}
	}
	return steps.Event{}
}

var getOpts = metav1.GetOptions{}

// istioGVRs are the Istio resources meshwiz applies.
var istioGVRs = []schema.GroupVersionResource{gvrGateway, gvrVirtualService, gvrPeerAuth}

// assertClean fails the test if anything of the mesh is left in the
// cluster: releases, meshwiz's objects, webhooks, reader RBAC, remote
// secrets, cacerts, the record, labels, Istio custom resources. It returns
// the number of Istio CRDs left.
func assertClean(t *testing.T, context string, userObjects ...string) int {
	t.Helper()
	c := client(t, context)
	ctx := t.Context()
	var left []string
	meta, err := metadata.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Kube.CoreV1().Namespaces().Get(ctx, install.Namespace, getOpts); err == nil {
		for _, gvr := range []schema.GroupVersionResource{gvrSecret, gvrConfigMap, gvrServiceAccount,
			{Group: "apps", Version: "v1", Resource: "deployments"}, {Version: "v1", Resource: "services"}} {
			list, err := meta.Resource(gvr).Namespace(install.Namespace).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range list.Items {
				ref := gvr.Resource + "/" + m.Name
				if m.Name == "default" || m.Name == "kube-root-ca.crt" || slices.Contains(userObjects, ref) {
					continue
				}
				left = append(left, context+": "+install.Namespace+"/"+ref)
			}
		}
	}
	for _, gvr := range []schema.GroupVersionResource{gvrMutating, gvrValidating, gvrClusterRole, gvrClusterRB} {
		list, err := meta.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list.Items {
			if strings.HasPrefix(m.Name, "istio") || m.Labels[install.ManagedByLabel] == install.ManagedByValue ||
				m.Annotations[helmNamespaceAnno] == install.Namespace {
				left = append(left, context+": "+gvr.Resource+"/"+m.Name)
			}
		}
	}
	remote, err := meta.Resource(gvrSecret).List(ctx, metav1.ListOptions{LabelSelector: install.MultiClusterLbl})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range remote.Items {
		left = append(left, context+": remote secret "+m.Namespace+"/"+m.Name)
	}
	nss, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range nss.Items {
		for _, k := range []string{install.InjectionLabel, install.NetworkLabel, install.ManagedByLabel} {
			if v, ok := ns.Labels[k]; ok {
				left = append(left, fmt.Sprintf("%s: namespace %s label %s=%s", context, ns.Name, k, v))
			}
		}
		if _, ok := ns.Annotations[install.ControlPlaneAnno]; ok {
			left = append(left, context+": namespace "+ns.Name+" annotation "+install.ControlPlaneAnno)
		}
	}
	crds, err := meta.Resource(gvrCRD).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range crds.Items {
		if strings.HasSuffix(m.Name, ".istio.io") {
			n++
		}
	}
	if n > 0 {
		for _, gvr := range istioGVRs {
			list, err := meta.Resource(gvr).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for _, m := range list.Items {
				left = append(left, context+": "+gvr.Resource+" "+m.Namespace+"/"+m.Name)
			}
		}
	}
	if len(left) > 0 {
		t.Errorf("teardown left behind:\n  %s", strings.Join(left, "\n  "))
	}
	return n
}
