package install

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestGatewayWithoutLoadBalancer runs setup on two clusters without a
// load-balancer controller: the east-west gateway's release is deployed at
// once (Helm does not wait for the Service's address), and the
// gateway-address step fails within its own bound with its own hint, not
// inside the release's timeout.
func TestGatewayWithoutLoadBalancer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	b := testbed.Own(t, testbed.ClusterSpec{Name: "m1", NoLoadBalancer: true}, testbed.ClusterSpec{Name: "m2", NoLoadBalancer: true})
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, true, "m1", "m2")
	addrTimeout := 4 * time.Second
	env := envOnBed(t, b, cfg, 3*time.Minute, addrTimeout)
	sum := runPlan(t, ctx, cfg, env)
	for _, cl := range []string{"m1", "m2"} {
		gw, addr := bedtest.Event(sum, IDGateway, cl), bedtest.Event(sum, IDGatewayAddress, cl)
		if gw.Status != steps.Passed {
			t.Errorf("%s: the gateway release %s: %s", cl, gw.Status, gw.Message)
		}
		if addr.Status != steps.Failed {
			t.Fatalf("%s: gateway-address %s: %s\n%s", cl, addr.Status, addr.Message, bedtest.DescribeRun(sum))
		}
		contains(t, cl+" gateway-address message", addr.Message, "no external address", "within 4s", "type LoadBalancer) has no external address yet")
		contains(t, cl+" gateway-address hint", addr.Hint, "load-balancer controller", "NodePort")
		if addr.Took > addrTimeout+time.Minute {
			t.Errorf("%s: gateway-address took %v, over its %v bound", cl, addr.Took, addrTimeout)
		}
		if strings.Contains(gw.Message, "timed out") {
			t.Errorf("%s: the release waited for the address: %s", cl, gw.Message)
		}
	}
}
