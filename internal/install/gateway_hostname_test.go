package install

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestHostnameGatewayAddress: a load balancer that reports a host name is an
// error, with the fix, for a primary that controls remotes (their istiod
// Service would be ExternalName), and an address for a primary that does
// not. A narrow unit test with a fake clientset: the test bed's load-balancer
// assigner only hands out IPs, and the step reads one Service.
func TestHostnameGatewayAddress(t *testing.T) {
	for _, tc := range []struct {
		name    string
		model   mesh.Model
		wantErr string
	}{
		{"primary with remotes", mesh.PrimaryRemote, "the east-west gateway of a has the host name nlb-1.elb.example.test, not an IP: the istiod Service of its remotes (b) would be ExternalName"},
		{"multi-primary", mesh.MultiPrimary, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := bedtest.Mesh(t, tc.model, true, "a", "b")
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: EastWestService, Namespace: Namespace},
				Spec:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{Hostname: "nlb-1.elb.example.test"}}}}}
			env := Env{Clients: map[string]*kube.Client{"a": {Context: "a", Kube: fake.NewClientset(svc)}}, AddressTimeout: 5 * time.Second}
			r := &run{cfg: cfg, env: env, gateways: map[string]string{}}
			res, err := r.waitGatewayAddress(t.Context(), &cfg.Clusters[0], func(string) {})
			if tc.wantErr == "" {
				if err != nil || !strings.Contains(res.Message, "nlb-1.elb.example.test") {
					t.Fatalf("multi-primary host-name gateway: %v %q", err, res.Message)
				}
				if addr, _ := r.gateway("a"); addr != "nlb-1.elb.example.test" {
					t.Errorf("gateway address %q", addr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			var hinter steps.Hinter
			if !errors.As(err, &hinter) {
				t.Fatal("the error carries no hint")
			}
			if h := hinter.Hint(); !strings.Contains(h, "serviceType: NodePort") || !strings.Contains(h, "nothing was applied to the remotes") {
				t.Errorf("hint %q", h)
			}
			if _, err := r.gateway("a"); err == nil {
				t.Error("the host name was recorded as the address remotes use")
			}
		})
	}
}
