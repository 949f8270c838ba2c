package install

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestHostnameGatewayAppliesNothingToRemote runs setup's plan for a primary
// whose load balancer reports a host name (as an AWS NLB does) and its
// remote: the primary's gateway-address step fails with the fix, every step
// of the remote is skipped, and the remote holds no istio-system, no Istio
// CRD and no object labelled managed-by=meshwiz. Before, the remote's
// namespace, cacerts and istio-base were applied while the primary was
// still installing.
func TestHostnameGatewayAppliesNothingToRemote(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	b := testbed.Own(t, testbed.ClusterSpec{Name: "nlb", LoadBalancerHostname: "elb.example.test"}, testbed.ClusterSpec{Name: "far"})
	cfg := bedtest.Mesh(t, mesh.PrimaryRemote, false, "nlb", "far")
	sum := runPlan(t, ctx, cfg, envOnBed(t, b, cfg, 3*time.Minute, time.Minute))

	addr := bedtest.Event(sum, IDGatewayAddress, "nlb")
	if addr.Status != steps.Failed {
		t.Fatalf("gateway-address@nlb %s: %s\n%s", addr.Status, addr.Message, bedtest.DescribeRun(sum))
	}
	contains(t, "gateway-address message", addr.Message, "host name istio-eastwestgateway-istio-system.elb.example.test", "would be ExternalName", "nothing was applied to far")
	contains(t, "gateway-address hint", addr.Hint, "NodePort", "nothing was applied to the remotes")
	for _, e := range sum.Steps {
		if e.Step.Cluster == "far" && e.Status != steps.Skipped {
			t.Errorf("%s ran on the remote: %s (%s)", e.Step, e.Status, e.Message)
		}
	}

	far := bedtest.Admin(t, b, "far")
	if _, err := far.Kube.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s on the remote: %v, want NotFound", Namespace, err)
	}
	crds, err := far.Dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range crds.Items {
		t.Errorf("CRD %s on the remote", c.GetName())
	}
	labelled := metav1.ListOptions{LabelSelector: ManagedByLabel + "=" + ManagedByValue}
	for what, list := range map[string]func() (int, error){
		"namespaces": func() (int, error) {
			l, err := far.Kube.CoreV1().Namespaces().List(ctx, labelled)
			return lenOf(l.Items), err
		},
		"secrets": func() (int, error) {
			l, err := far.Kube.CoreV1().Secrets("").List(ctx, labelled)
			return lenOf(l.Items), err
		},
		"configmaps": func() (int, error) {
			l, err := far.Kube.CoreV1().ConfigMaps("").List(ctx, labelled)
			return lenOf(l.Items), err
		},
	} {
		if n, err := list(); err != nil || n > 0 {
			t.Errorf("labelled %s on the remote: %d (%v)", what, n, err)
		}
	}
}

func lenOf[T any](s []T) int { return len(s) }

// TestRemoteStartsAfterPrimaryGatewayAddress: with a LoadBalancer gateway a
// remote's first step runs after its primary's gateway-address step; with
// NodePort (addresses from the config, never a host name) it does not wait.
func TestRemoteStartsAfterPrimaryGatewayAddress(t *testing.T) {
	for _, tc := range []struct {
		serviceType string
		wait        bool
	}{{mesh.LoadBalancer, true}, {mesh.NodePort, false}} {
		cfg := bedtest.Mesh(t, mesh.PrimaryRemote, false, "a", "b")
		cfg.EastWestGateway.ServiceType = tc.serviceType
		if tc.serviceType == mesh.NodePort {
			cfg.EastWestGateway.ExternalIPs = []string{"192.0.2.10"}
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		plan, err := Plan(cfg, Env{})
		if err != nil {
			t.Fatal(err)
		}
		waits := false
		for _, s := range plan {
			if s.ID == IDNamespace && s.Cluster == "b" {
				for _, a := range s.After {
					waits = waits || a == (steps.Ref{ID: IDGatewayAddress, Cluster: "a"})
				}
			}
		}
		if waits != tc.wait {
			t.Errorf("%s: the remote's namespace step waits for a's gateway address: %v, want %v", tc.serviceType, waits, tc.wait)
		}
	}
}
