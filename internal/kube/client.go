package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/storage"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// DefaultRequestTimeout bounds every single API request made through a Client.
const DefaultRequestTimeout = 20 * time.Second

// DefaultQPS and DefaultBurst are the client-side rate limits of a Client
// whose kubeconfig sets none: kubectl's (QPS 50, burst 300). A teardown's
// discovery lists every resource kind, ~150 requests per cluster at once;
// with a burst of 100 the rest waited 20 ms each on the limiter.
const (
	DefaultQPS   = 50
	DefaultBurst = 300
)

// Client is the bundle of clients for one kubeconfig context.
type Client struct {
	// Context is the kubeconfig context name; every error names it.
	Context string
	// Server is the API server URL from the kubeconfig, user information
	// redacted (RedactURL).
	Server string
	// Cluster and User are the kubeconfig entries the context names.
	Cluster, User string
	// Config is the REST config (a copy: safe to modify).
	Config *rest.Config
	// Kube is the typed clientset.
	Kube kubernetes.Interface
	// Dynamic is the dynamic client, for custom resources.
	Dynamic dynamic.Interface
	// Discovery is a memory-cached discovery client.
	Discovery discovery.CachedDiscoveryInterface

	loader   Loader
	requests *atomic.Int64
}

// Requests returns how many HTTP requests this bundle has sent to the API
// server (counted by its transport), for keeping the engine's cost in check.
func (c *Client) Requests() int64 { return c.requests.Load() }

// countingTransport counts the requests that go through it.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

// WrappedRoundTripper lets client-go reach the transport underneath (to
// cancel requests), as its own wrappers do.
func (t countingTransport) WrappedRoundTripper() http.RoundTripper { return t.next }

// NewClient builds the client bundle for contextName (empty: the current
// context). It does not contact the cluster.
func (l Loader) NewClient(contextName string) (*Client, error) {
	kc, err := l.Context(contextName)
	if err != nil {
		return nil, err
	}
	cfg, err := l.restConfig(kc)
	if err != nil {
		return nil, err
	}
	return newClient(l, kc, cfg)
}

// NewClientForConfig builds a bundle from an explicit REST config, for callers
// (tests, the sandbox) that hold one without a kubeconfig.
func NewClientForConfig(name string, cfg *rest.Config) (*Client, error) {
	return newClient(Loader{}, Context{Name: name, Server: cfg.Host}, rest.CopyConfig(cfg))
}

func newClient(l Loader, kc Context, cfg *rest.Config) (*Client, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultRequestTimeout
	}
	if cfg.QPS == 0 {
		// client-go's default (5 QPS, burst 10) would make a check run of
		// ~40 requests per cluster wait on the rate limiter.
		cfg.QPS, cfg.Burst = DefaultQPS, DefaultBurst
	}
	n := new(atomic.Int64)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return countingTransport{next: rt, n: n} })
	// Built-in types travel as protobuf (as kubectl does): listing thousands
	// of nodes costs a fraction of JSON on both ends.
	pb := rest.CopyConfig(cfg)
	pb.ContentType = "application/vnd.kubernetes.protobuf"
	pb.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cs, err := kubernetes.NewForConfig(pb)
	if err != nil {
		return nil, fmt.Errorf("context %q: building clientset: %w", kc.Name, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("context %q: building dynamic client: %w", kc.Name, err)
	}
	return &Client{
		Context:   kc.Name,
		Server:    RedactURL(kc.Server),
		Cluster:   kc.Cluster,
		User:      kc.User,
		Config:    cfg,
		Kube:      cs,
		Dynamic:   dyn,
		Discovery: memory.NewMemCacheClient(cs.Discovery()),
		loader:    l,
		requests:  n,
	}, nil
}

func (l Loader) restConfig(kc Context) (*rest.Config, error) {
	if err := l.checkEntries(kc); err != nil {
		return nil, err
	}
	cfg, err := l.ClientConfig(kc.Name, "").ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", kc.Name, err)
	}
	if err := useExecPlugin(cfg, kc.User); err != nil {
		return nil, fmt.Errorf("context %q: users[%s].user.exec: %w", kc.Name, kc.User, err)
	}
	return cfg, nil
}

// checkEntries names the kubeconfig entry a context refers to but the file
// lacks (clientcmd would say "try setting KUBERNETES_MASTER").
func (l Loader) checkEntries(kc Context) error {
	raw, err := l.RawConfig()
	if err != nil {
		return err
	}
	missing := func(kind, name, field string) error {
		return &ConfigError{Reason: ReasonMissingEntry,
			Msg:  fmt.Sprintf("context %q names %s %q, which the kubeconfig does not define", kc.Name, kind, Truncate(name, 80)),
			Hint: fmt.Sprintf("add a %ss[] entry named %q to the kubeconfig, or fix contexts[%s].context.%s", kind, Truncate(name, 80), kc.Name, field)}
	}
	if _, ok := raw.Clusters[kc.Cluster]; !ok {
		return missing("cluster", kc.Cluster, "cluster")
	}
	if _, ok := raw.AuthInfos[kc.User]; !ok && kc.User != "" {
		return missing("user", kc.User, "user")
	}
	if raw.Clusters[kc.Cluster].Server == "" {
		return &ConfigError{Reason: ReasonInvalidConfig,
			Msg:  fmt.Sprintf("context %q: cluster %q has no server", kc.Name, kc.Cluster),
			Hint: fmt.Sprintf("set clusters[%s].cluster.server to the API server's https:// URL", kc.Cluster)}
	}
	return nil
}

// ServerVersion asks the API server for its version, bounded by timeout.
func (c *Client) ServerVersion(ctx context.Context, timeout time.Duration) (*version.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var v version.Info
	body, err := c.Kube.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return nil, &ContextError{Context: c.Context, Server: c.Server, Cluster: c.Cluster, Op: "reading server version", Err: err}
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, &ContextError{Context: c.Context, Server: c.Server, Cluster: c.Cluster, Op: "decoding server version", Err: err}
	}
	return &v, nil
}

// Helm returns a Helm action.Configuration for this context that stores
// releases as Secrets in namespace (Helm's default driver's format, written
// with faster compression: releaseSecrets), so releases are visible to
// `helm list -n namespace --kube-context <context>`.
func (c *Client) Helm(namespace string, logf func(format string, args ...any)) (*action.Configuration, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	cfg := new(action.Configuration)
	if err := cfg.Init(c.restGetter(namespace), namespace, "secret", logf); err != nil {
		return nil, fmt.Errorf("context %q: initialising Helm: %w", c.Context, err)
	}
	cfg.Releases = storage.Init(newReleaseSecrets(c.Kube.CoreV1().Secrets(namespace), logf))
	return cfg, nil
}

// restGetter adapts the bundle to Helm's genericclioptions.RESTClientGetter.
func (c *Client) restGetter(namespace string) genericclioptions.RESTClientGetter {
	return &restGetter{cfg: c.Config, disc: c.Discovery, raw: c.loader.ClientConfig(c.Context, namespace), namespace: namespace}
}

type restGetter struct {
	cfg       *rest.Config
	disc      discovery.CachedDiscoveryInterface
	raw       clientcmd.ClientConfig
	namespace string
}

var _ genericclioptions.RESTClientGetter = (*restGetter)(nil)

func (g *restGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }

func (g *restGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.disc, nil
}

func (g *restGetter) ToRESTMapper() (meta.RESTMapper, error) {
	m := restmapper.NewDeferredDiscoveryRESTMapper(g.disc)
	return restmapper.NewShortcutExpander(m, g.disc, nil), nil
}

func (g *restGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return namespaceConfig{raw: g.raw, namespace: g.namespace, cfg: g.cfg}
}

// namespaceConfig pins the namespace and REST config Helm's kube client sees,
// whatever the kubeconfig context's own namespace says (the
// istio-system-vs-default trap).
type namespaceConfig struct {
	raw       clientcmd.ClientConfig // the kubeconfig, for RawConfig and ConfigAccess
	namespace string
	cfg       *rest.Config
}

var _ clientcmd.ClientConfig = namespaceConfig{}

func (n namespaceConfig) RawConfig() (clientcmdapi.Config, error) { return n.raw.RawConfig() }

func (n namespaceConfig) ClientConfig() (*rest.Config, error) { return rest.CopyConfig(n.cfg), nil }

func (n namespaceConfig) Namespace() (string, bool, error) { return n.namespace, true, nil }

func (n namespaceConfig) ConfigAccess() clientcmd.ConfigAccess { return n.raw.ConfigAccess() }
