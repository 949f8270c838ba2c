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

// RawConfig loads and merges the kubeconfig files. The files are read once
// per version (name, size, modification time) per process; the result is
// shared and must not be modified.
func (l Loader) RawConfig() (*clientcmdapi.Config, error) {
	ld := l.load()
	return ld.raw, ld.err
}

// Contexts lists every context of the merged kubeconfig, sorted by name.
// Server URLs have their user information redacted (RedactURL).
func (l Loader) Contexts() ([]Context, error) {
	ld := l.load()
	if ld.err != nil {
		return nil, ld.err
	}
	return slices.Clone(ld.contexts), nil
}

// Context returns the named context, or the current context when name is
// empty. The error lists the available contexts.
func (l Loader) Context(name string) (Context, error) {
	ld := l.load()
	if ld.err != nil {
		return Context{}, ld.err
	}
	if name == "" {
		name = ld.raw.CurrentContext
		if _, ok := ld.byName[name]; !ok {
			return Context{}, fmt.Errorf("kubeconfig has no current-context: pass --context (available: %s)", available(ld.contexts))
		}
	}
	if i, ok := ld.byName[name]; ok {
		return ld.contexts[i], nil
	}
	return Context{}, fmt.Errorf("context %q not found in kubeconfig %s (available: %s)", Truncate(name, 80), strings.Join(l.Files(), ":"), available(ld.contexts))
}

// available lists context names for an error message, at most 20 of them.
func available(cs []Context) string {
	const most = 20
	names := make([]string, 0, min(len(cs), most))
	for i, c := range cs {
		if i == most {
			return strings.Join(names, ", ") + fmt.Sprintf(", … and %d more", len(cs)-most)
		}
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// ClientConfig returns the clientcmd.ClientConfig for a context (empty: the
// current one), with an optional namespace override.
func (l Loader) ClientConfig(contextName, namespace string) clientcmd.ClientConfig {
	if ld := l.load(); ld.err == nil {
		return l.clientConfig(ld, contextName, namespace)
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: contextName}
	overrides.Context.Namespace = namespace
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(l.rules(), overrides)
}

// Truncate shortens s to at most n runes for an error message, saying how
// much was left out.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + fmt.Sprintf("… (%d more characters)", len(r)-n)
}
