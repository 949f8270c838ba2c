package tui

import (
	"context"
	"errors"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// injectionTimeout bounds listing one cluster's namespaces and pods.
const injectionTimeout = 30 * time.Second

// injectionPageSize is the page size when listing pods.
const injectionPageSize = 500

// injectionNamespace is one namespace that can get sidecars.
type injectionNamespace struct {
	name string
	pods int // pods in the namespace
	// restart is how many of them run without an istio-proxy container and
	// need a restart to get one (the install's rule).
	restart int
	// label is the injection label already on the namespace
	// ("istio-injection=enabled", "istio.io/rev=1-31"), or "".
	label string
}

// injectionListedMsg carries one cluster's namespaces, or why they could
// not be listed; gen tells a reload's answer from an earlier one.
type injectionListedMsg struct {
	gen        int
	context    string
	namespaces []injectionNamespace
	err        error
}

// injectionList returns a Cmd that lists a cluster's namespaces and counts
// the pods of each that have no sidecar yet.
func injectionList(ctx context.Context, gen int, contextName string, c *kube.Client) tea.Cmd {
	return func() tea.Msg {
		msg := injectionListedMsg{gen: gen, context: contextName}
		if c == nil {
			msg.err = &kube.ContextError{Context: contextName, Op: "listing namespaces", Err: injectionNoClient}
			return msg
		}
		ctx, cancel := context.WithTimeout(ctx, injectionTimeout)
		defer cancel()
		msg.namespaces, msg.err = injectionNamespaces(ctx, c)
		return msg
	}
}

// injectionNoClient is the error of a context without a client bundle.
var injectionNoClient = errors.New("no client for this context")

// injectionNamespaces lists the namespaces of c that may get sidecars, in
// name order, with their pods counted.
func injectionNamespaces(ctx context.Context, c *kube.Client) ([]injectionNamespace, error) {
	wrap := func(op string, err error) error {
		return &kube.ContextError{Context: c.Context, Server: c.Server, Op: op, Err: err}
	}
	nsList, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, wrap("listing namespaces", err)
	}
	byName := map[string]*injectionNamespace{}
	var out []injectionNamespace
	for _, ns := range nsList.Items {
		if mesh.IsSystemNamespace(ns.Name) || ns.Status.Phase == corev1.NamespaceTerminating {
			continue
		}
		out = append(out, injectionNamespace{name: ns.Name, label: injectionLabel(ns.Labels)})
	}
	slices.SortFunc(out, func(a, b injectionNamespace) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	for i := range out {
		byName[out[i].name] = &out[i]
	}
	opts := metav1.ListOptions{Limit: injectionPageSize}
	for {
		pods, err := c.Kube.CoreV1().Pods("").List(ctx, opts)
		if err != nil {
			return nil, wrap("listing pods", err)
		}
		for _, p := range pods.Items {
			ns := byName[p.Namespace]
			if ns == nil {
				continue
			}
			ns.pods++
			if !install.HasSidecar(&p) {
				ns.restart++
			}
		}
		if pods.Continue == "" {
			return out, nil
		}
		opts.Continue = pods.Continue
	}
}

// injectionLabel is the injection label of a namespace, as it is written.
func injectionLabel(labels map[string]string) string {
	if v, ok := labels[install.InjectionLabel]; ok {
		return install.InjectionLabel + "=" + v
	}
	if v, ok := labels["istio.io/rev"]; ok {
		return "istio.io/rev=" + v
	}
	return ""
}
