// Package kube loads kubeconfig files exactly as kubectl does and builds one
// client bundle per kubeconfig context: a typed clientset, a dynamic client,
// discovery, the REST config and a Helm action.Configuration.
//
// Every call that talks to a cluster takes a context.Context and is bounded by
// a timeout; every error names the kube context it is about.
package kube

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Loader finds and merges kubeconfig files with client-go's clientcmd loading
// rules, as kubectl does: an explicit --kubeconfig file wins; otherwise every
// file listed in $KUBECONFIG is merged (first file wins per key); otherwise
// ~/.kube/config is used.
type Loader struct {
	// Kubeconfig is the --kubeconfig flag: one explicit file. Empty means use
	// $KUBECONFIG or ~/.kube/config.
	Kubeconfig string
}

// Context describes one kubeconfig context.
type Context struct {
	Name      string `json:"name"`
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace,omitempty"`
	Server    string `json:"server"`
	// TLSServerName is the cluster's tls-server-name, when set.
	TLSServerName string `json:"tlsServerName,omitempty"`
	// Current is true for the kubeconfig's current-context.
	Current bool `json:"current"`
}

// Host returns the host part of the context's server URL (without port).
func (c Context) Host() string {
	u, err := url.Parse(c.Server)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// ErrNoKubeconfig is returned when no kubeconfig file can be found.
var ErrNoKubeconfig = errors.New("no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config")

func (l Loader) rules() *clientcmd.ClientConfigLoadingRules {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = l.Kubeconfig
	return rules
}

// Files returns the kubeconfig files the loader reads, in precedence order.
func (l Loader) Files() []string {
	if l.Kubeconfig != "" {
		return []string{l.Kubeconfig}
	}
	return l.rules().GetLoadingPrecedence()
}

// RawConfig loads and merges the kubeconfig files.
func (l Loader) RawConfig() (*clientcmdapi.Config, error) {
	cfg, err := l.rules().Load()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig %s: %w", strings.Join(l.Files(), ":"), err)
	}
	if len(cfg.Contexts) == 0 {
		if clientcmdapi.IsConfigEmpty(cfg) {
			return nil, fmt.Errorf("%w (looked in %s)", ErrNoKubeconfig, strings.Join(l.Files(), ":"))
		}
		return nil, fmt.Errorf("kubeconfig %s defines no contexts", strings.Join(l.Files(), ":"))
	}
	return cfg, nil
}

// Contexts lists every context of the merged kubeconfig, sorted by name.
func (l Loader) Contexts() ([]Context, error) {
	cfg, err := l.RawConfig()
	if err != nil {
		return nil, err
	}
	out := make([]Context, 0, len(cfg.Contexts))
	for name, kc := range cfg.Contexts {
		c := Context{Name: name, Cluster: kc.Cluster, User: kc.AuthInfo, Namespace: kc.Namespace, Current: name == cfg.CurrentContext}
		if cl, ok := cfg.Clusters[kc.Cluster]; ok {
			c.Server = cl.Server
			c.TLSServerName = cl.TLSServerName
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Context) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Context returns the named context, or the current context when name is
// empty. The error lists the available contexts.
func (l Loader) Context(name string) (Context, error) {
	all, err := l.Contexts()
	if err != nil {
		return Context{}, err
	}
	for _, c := range all {
		if (name == "" && c.Current) || (name != "" && c.Name == name) {
			return c, nil
		}
	}
	names := make([]string, len(all))
	for i, c := range all {
		names[i] = c.Name
	}
	if name == "" {
		return Context{}, fmt.Errorf("kubeconfig has no current-context: pass --context (available: %s)", strings.Join(names, ", "))
	}
	return Context{}, fmt.Errorf("context %q not found in kubeconfig %s (available: %s)", name, strings.Join(l.Files(), ":"), strings.Join(names, ", "))
}

// ClientConfig returns the clientcmd.ClientConfig for a context (empty: the
// current one), with an optional namespace override.
func (l Loader) ClientConfig(contextName, namespace string) clientcmd.ClientConfig {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: contextName}
	overrides.Context.Namespace = namespace
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(l.rules(), overrides)
}
