package verify

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
)

// IstiodDebugPort is the port of istiod's HTTP debug endpoints in its pod.
const IstiodDebugPort = 8080

// Reacher opens a way to one cluster's istiod debug endpoints and returns the
// base URL ("http://127.0.0.1:<port>") and a function that closes it.
type Reacher interface {
	Reach(ctx context.Context, c *kube.Client) (base string, done func(), err error)
}

// Static reaches istiod at fixed loopback addresses per kube context (for test
// beds, where istiod runs as a local process: --istiod-address).
type Static map[string]string

// Reach returns the address given for c's context.
func (s Static) Reach(_ context.Context, c *kube.Client) (string, func(), error) {
	addr, ok := s[c.Context]
	if !ok {
		return "", nil, fmt.Errorf("no --istiod-address given for context %s", c.Context)
	}
	return "http://" + addr, func() {}, nil
}

// PortForward reaches istiod the way istioctl does: a port-forward through
// the API server to a ready istiod pod's debug port, on a local 127.0.0.1
// port. meshwiz never dials the pod IP itself.
type PortForward struct {
	// Namespace is istiod's namespace (default istio-system).
	Namespace string
	// Port is the pod port (default IstiodDebugPort).
	Port int
}

// Reach starts the port-forward and returns its local URL.
func (p PortForward) Reach(ctx context.Context, c *kube.Client) (string, func(), error) {
	ns, port := p.Namespace, p.Port
	if ns == "" {
		ns = install.Namespace
	}
	if port == 0 {
		port = IstiodDebugPort
	}
	pod, err := readyIstiodPod(ctx, c, ns)
	if err != nil {
		return "", nil, err
	}
	transport, upgrader, err := spdy.RoundTripperFor(c.Config)
	if err != nil {
		return "", nil, fmt.Errorf("port-forward to %s/%s in %s: %w", ns, pod, c.Context, err)
	}
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, PortForwardURL(c.Config.Host, ns, pod))
	stop, ready := make(chan struct{}), make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(port)}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		return "", nil, fmt.Errorf("port-forward to %s/%s in %s: %w", ns, pod, c.Context, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errc:
		return "", nil, fmt.Errorf("port-forward to %s/%s:%d in %s (through the API server): %w", ns, pod, port, c.Context, err)
	case <-ctx.Done():
		close(stop)
		return "", nil, fmt.Errorf("port-forward to %s/%s in %s: %w", ns, pod, c.Context, ctx.Err())
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		close(stop)
		return "", nil, fmt.Errorf("port-forward to %s/%s in %s: no local port: %v", ns, pod, c.Context, err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", ports[0].Local), func() { close(stop) }, nil
}

// PortForwardURL is the API server's portforward subresource of a pod.
func PortForwardURL(host, ns, pod string) *url.URL {
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		u = &url.URL{Scheme: "https", Host: host}
	}
	u.Path = fmt.Sprintf("%s/api/v1/namespaces/%s/pods/%s/portforward", u.Path, ns, pod)
	return u
}

// readyIstiodPod picks a running, ready pod of istiod (label app=istiod).
func readyIstiodPod(ctx context.Context, c *kube.Client, ns string) (string, error) {
	pods, err := c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=istiod"})
	if err != nil {
		return "", fmt.Errorf("listing istiod pods in %s/%s: %w", c.Context, ns, err)
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
			continue
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				return p.Name, nil
			}
		}
	}
	return "", fmt.Errorf("no ready istiod pod (app=istiod) in %s/%s", c.Context, ns)
}

// getter fetches istiod debug pages from a base URL on loopback.
type getter struct {
	base   string
	client *http.Client
}

func newGetter(base string) (*getter, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("istiod address %q: %w", base, err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("istiod address %q is not a loopback address: meshwiz reaches istiod only through a local port-forward or a local process", base)
	}
	return &getter{base: base, client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{Proxy: nil}}}, nil
}

func (g *getter) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d: %.200s", path, resp.StatusCode, body)
	}
	return body, err
}
