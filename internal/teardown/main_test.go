package teardown

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// The package's bed: east and west for multi-primary on two networks, hub
// (primary) and spoke (remote) for primary-remote. Each pair belongs to one
// chain of tests.
func TestMain(m *testing.M) {
	testbed.Main(m, bedtest.TwoMeshes())
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

// wantPassed fails the test unless every step passed.
func wantPassed(t *testing.T, o outcome) {
	t.Helper()
	for _, e := range o.sum.Steps {
		if e.Status != steps.Passed {
			t.Fatalf("teardown step %s %s: %s\n%s", e.Step, e.Status, e.Message, bedtest.DescribeRun(o.sum))
		}
	}
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
	c := bedtest.Client(t, testbed.Shared(), context)
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
