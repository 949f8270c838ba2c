package install

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/meshwiz/meshwiz/internal/await"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Istio resources meshwiz applies.
var (
	gatewayGVR        = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "gateways"}
	virtualServiceGVR = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	peerAuthGVR       = schema.GroupVersionResource{Group: "security.istio.io", Version: "v1", Resource: "peerauthentications"}
)

// waitGatewayAddress waits until the east-west gateway Service has the
// address other clusters use: the load balancer's IP (or hostname, see
// hostnameGateway), or for NodePort the configured external IP.
func (r *run) waitGatewayAddress(ctx context.Context, cl *mesh.Cluster, progress func(string)) (steps.Result, error) {
	c := r.client(cl)
	timeout := r.env.AddressTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	addr, isHost, err := await.ServiceAddress(ctx, c.Kube, Namespace, EastWestService, timeout, progress)
	if err != nil {
		return steps.Result{}, steps.WithHint(fmt.Errorf("the east-west gateway got no external address: %w", err),
			"the cluster needs a load-balancer controller (cloud LB, MetalLB for kind), or set eastWestGateway.serviceType: NodePort with externalIPs")
	}
	hostname := ""
	if isHost {
		hostname = addr
	}
	if hostname != "" {
		return r.hostnameGateway(cl, hostname)
	}
	if net.ParseIP(addr) == nil {
		return steps.Result{}, fmt.Errorf("the gateway address %q is not an IP", addr)
	}
	r.setGateway(cl.Name, addr)
	return steps.Result{Message: "east-west gateway address " + addr}, nil
}

// hostnameGateway judges a load balancer that has a host name, not an IP
// (e.g. an AWS NLB). Across networks that works: istiod resolves gateway
// host names. But a primary that controls remotes gives each remote's istiod
// chart remotePilotAddress = that name, which renders an ExternalName
// Service the API server cannot call for the injection and validation
// webhooks; Istio's Primary-Remote guides say they are "not suitable for
// AWS EKS" primaries for this reason. meshwiz refuses it (rather than set
// istiodRemote.injectionURL, which needs istiod serving a certificate for
// that name): the step fails before anything is applied to a remote (Plan
// starts a remote's lane after this step).
func (r *run) hostnameGateway(cl *mesh.Cluster, hostname string) (steps.Result, error) {
	if remotes := r.cfg.RemotesOf(cl.Name); len(remotes) > 0 {
		names := make([]string, len(remotes))
		for i, rm := range remotes {
			names[i] = rm.Name
		}
		return steps.Result{}, steps.WithHint(
			fmt.Errorf("the east-west gateway of %s has the host name %s, not an IP: the istiod Service of its remotes (%s) would be ExternalName, which the API server cannot call for injection and validation webhooks; nothing was applied to %s (a remote's steps wait for this address)",
				cl.Name, hostname, strings.Join(names, ", "), strings.Join(names, ", ")),
			"give the gateway an IP address: a load balancer with static IPs (e.g. an NLB with Elastic IPs, or one that reports ingress IPs), or eastWestGateway.serviceType: NodePort with clusters[].externalIPs; then run setup again (nothing was applied to the remotes)")
	}
	r.setGateway(cl.Name, hostname)
	return steps.Result{Message: "east-west gateway address " + hostname + " (a host name: istiod resolves it for cross-network traffic)"}, nil
}

// apply server-side-applies an Istio object (waiting briefly for its CRD to
// be served right after the base chart installed it) and records it.
func (r *run) apply(ctx context.Context, c *kube.Client, cluster string, gvr schema.GroupVersionResource, obj map[string]any) error {
	u := &unstructured.Unstructured{Object: obj}
	u.SetNamespace(Namespace)
	labels := u.GetLabels()
	u.SetLabels(managedLabels(labels))
	data, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	force := true
	err = wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Second, true, func(context.Context) (bool, error) {
		// Under the step's context, as the reader-token wait (remote.go) says why.
		_, err := c.Dynamic.Resource(gvr).Namespace(Namespace).Patch(ctx, u.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: FieldManager, Force: &force})
		if apierrors.IsNotFound(err) {
			return false, nil // CRD not served yet
		}
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), Namespace, u.GetName(), err)
	}
	return r.note(ctx, c, cluster, Object{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: Namespace, Name: u.GetName(), Change: "created"})
}

// exposeServices applies cross-network-gateway.
func (r *run) exposeServices(ctx context.Context, cl *mesh.Cluster) (steps.Result, error) {
	if err := r.apply(ctx, r.client(cl), cl.Name, gatewayGVR, crossNetworkGateway()); err != nil {
		return steps.Result{}, err
	}
	return steps.Result{Message: "Gateway cross-network-gateway exposes *.local on 15443 (AUTO_PASSTHROUGH)"}, nil
}

// exposeIstiod applies istiod-gateway and istiod-vs.
func (r *run) exposeIstiod(ctx context.Context, cl *mesh.Cluster) (steps.Result, error) {
	c := r.client(cl)
	gw, vs := istiodExposure()
	if err := r.apply(ctx, c, cl.Name, gatewayGVR, gw); err != nil {
		return steps.Result{}, err
	}
	if err := r.apply(ctx, c, cl.Name, virtualServiceGVR, vs); err != nil {
		return steps.Result{}, err
	}
	return steps.Result{Message: "Gateway istiod-gateway and VirtualService istiod-vs expose istiod on 15012 and 15017"}, nil
}

// meshMTLS applies the mesh-wide PeerAuthentication when mTLS is STRICT
// (PERMISSIVE is Istio's default and needs no object).
func (r *run) meshMTLS(ctx context.Context, cl *mesh.Cluster) (steps.Result, error) {
	if r.cfg.Security.MTLS != "STRICT" {
		return steps.Result{}, steps.Skip("mTLS is %s, Istio's default: nothing to apply", r.cfg.Security.MTLS)
	}
	if err := r.apply(ctx, r.client(cl), cl.Name, peerAuthGVR, strictMTLS()); err != nil {
		return steps.Result{}, err
	}
	return steps.Result{Message: "PeerAuthentication istio-system/default requires mTLS mesh-wide"}, nil
}
