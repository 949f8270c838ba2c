package teardown

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/install/installtest"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestNamespaceGoesAfterRealIstiod: once a real istiod has run, istio-system
// holds what it writes at run time (its leader locks, among them
// istio-ip-autoallocate, the Lease istio-gateway-deployment-default, the CA's
// istio-ca-crl). Teardown removes those as istiod's and deletes the
// istio-system meshwiz created, with that istiod still running through the
// teardown as a terminating pod would; it does not keep the namespace as
// holding "objects meshwiz did not create".
func TestNamespaceGoesAfterRealIstiod(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	bed := testbed.Own(t, testbed.ClusterSpec{Name: "solo"})
	c := bedtest.Client(t, bed, "solo")
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, false, "solo")
	installtest.Setup(t, cfg, installtest.Env(t, bed, cfg))
	ist := testbed.IstiodForTest(t, bed, "solo", testbed.IstiodOptions{})

	// Wait until istiod has written the objects the old rule missed.
	cms, leases := c.Kube.CoreV1().ConfigMaps(install.Namespace), c.Kube.CoordinationV1().Leases(install.Namespace)
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, e1 := cms.Get(ctx, "istio-ip-autoallocate", metav1.GetOptions{})
		_, e2 := cms.Get(ctx, "istio-ca-crl", metav1.GetOptions{})
		_, e3 := leases.Get(ctx, "istio-gateway-deployment-default", metav1.GetOptions{})
		if e1 == nil && e2 == nil && e3 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("istiod (log %s) did not write its runtime objects: %v; %v; %v", ist.LogPath, e1, e2, e3)
		}
		time.Sleep(500 * time.Millisecond)
	}

	o := teardownWith(t, ctx, Options{Clients: []*kube.Client{c}}, nil)
	wantPassed(t, o)
	for _, cl := range o.before.Clusters {
		for _, b := range cl.Blockers {
			t.Errorf("blocker %s %s: %s", b.Kind, b.Name, b.Reason)
		}
	}
	if ns, err := c.Kube.CoreV1().Namespaces().Get(ctx, install.Namespace, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace %s is still there (labels %v, err %v)\n%s", install.Namespace, ns.GetLabels(), err, bedtest.DescribeRun(o.sum))
	}
}
