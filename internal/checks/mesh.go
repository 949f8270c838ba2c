package checks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// crossCheck is one check across the selected clusters, declared as data.
type crossCheck struct {
	id, title, hint string
	severity        steps.Severity
	// topology checks are Fatal when the clusters share a network and Info
	// when every cluster has its own.
	topology bool
	run      func(ctx context.Context, p *plan) (steps.Result, error)
}

var crossCluster = []crossCheck{
	{id: "mesh/cluster-names", title: "cluster names are valid, unique and not the default", severity: steps.Fatal,
		hint: "give every cluster its own DNS-1123 name (lower case letters, digits, '-'); never `Kubernetes`, which every istiod uses by default (istio/istio#42516)", run: checkClusterNames},
	{id: "mesh/duplicate-cluster", title: "no cluster is selected twice under two contexts", severity: steps.Fatal,
		hint: "select each cluster once: two contexts with the same kube-system namespace UID are one cluster", run: checkDuplicates},
	{id: "mesh/api-server-address", title: "API server addresses are reachable from the other clusters", severity: steps.Error,
		hint: "set the cluster's API server address for remote secrets (the address other clusters can reach, e.g. the node or load-balancer IP; like istioctl create-remote-secret --server)", run: checkServerAddresses},
	{id: "mesh/pod-cidr-overlap", title: "pod CIDRs do not overlap across clusters", topology: true,
		hint: "on one network every pod IP must be unique across clusters (istio/istio#14066): re-address a cluster's pods, or give every cluster its own network (--network-per-cluster)", run: checkPodOverlap},
	{id: "mesh/service-cidr-overlap", title: "service CIDRs do not overlap each other or other clusters' pod CIDRs", topology: true,
		hint: "on one network service ranges must be unique (istio/istio#34627): re-address, or give every cluster its own network (--network-per-cluster)", run: checkServiceOverlap},
	{id: "mesh/trust-roots", title: "existing cacerts share one root certificate", severity: steps.Error,
		hint: "all clusters must trust one root (x509 unknown authority otherwise): replace the differing cacerts with intermediates of the same root, or let meshwiz generate them", run: checkTrustRoots},
	{id: "mesh/istio-consistency", title: "existing Istio trust domains and versions agree", severity: steps.Error,
		hint: "one mesh needs one trust domain (istio/istio#39204) and compatible versions: align the existing installations or tear them down first", run: checkConsistency},
}

func checkClusterNames(_ context.Context, p *plan) (steps.Result, error) {
	var problems []string
	seen := map[string]string{}
	for _, m := range p.members {
		n := m.Name
		switch {
		case strings.EqualFold(n, "kubernetes"):
			problems = append(problems, fmt.Sprintf("%q (context %s) is Istio's default cluster name: every cluster would call itself that", n, m.context()))
		case len(validation.IsDNS1123Label(n)) > 0:
			problems = append(problems, fmt.Sprintf("%q (context %s) is not a DNS-1123 label: %s", n, m.context(), strings.Join(validation.IsDNS1123Label(n), "; ")))
		}
		if other, dup := seen[n]; dup {
			problems = append(problems, fmt.Sprintf("%q is used by contexts %s and %s", n, other, m.context()))
		}
		seen[n] = m.context()
	}
	if len(problems) > 0 {
		return steps.Result{}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return steps.Result{Message: strings.Join(sortedKeys(seen), ", ")}, nil
}

// identities are the keys under which two contexts are the same cluster:
// the kube-system namespace UID (when readable) and the server URL with its CA.
func identities(ctx context.Context, m *member) ([]string, error) {
	cfg := m.client().Config
	ca := sha256.Sum256(cfg.CAData)
	ids := []string{fmt.Sprintf("server %s with the same CA|%s", strings.TrimSuffix(cfg.Host, "/"), hex.EncodeToString(ca[:8]))}
	ns, err := m.facts.KubeSystem(ctx)
	switch {
	case err == nil:
		ids = append(ids, "kube-system UID "+string(ns.UID))
	case !apierrors.IsForbidden(err):
		return nil, err
	}
	return ids, nil
}

func checkDuplicates(ctx context.Context, p *plan) (steps.Result, error) {
	ok, down := p.reachableMembers(ctx)
	byID := map[string][]string{}
	for _, m := range ok {
		ids, err := identities(ctx, m)
		if err != nil {
			return steps.Result{}, err
		}
		for _, id := range ids {
			byID[id] = append(byID[id], m.context())
		}
	}
	var dups []string
	reported := map[string]bool{}
	for _, id := range sortedKeys(byID) {
		ctxs := byID[id]
		key := strings.Join(ctxs, " and ")
		if len(ctxs) > 1 && !reported[key] {
			reported[key] = true
			what, _, _ := strings.Cut(id, "|")
			dups = append(dups, fmt.Sprintf("contexts %s are the same cluster (%s)", key, what))
		}
	}
	if len(dups) > 0 {
		return steps.Result{}, fmt.Errorf("%s", strings.Join(dups, "; "))
	}
	return steps.Result{Message: fmt.Sprintf("%d distinct clusters%s", len(ok), notCompared(down))}, nil
}

func notCompared(down []string) string {
	if len(down) == 0 {
		return ""
	}
	return fmt.Sprintf(" (not compared, unreachable: %s)", strings.Join(down, ", "))
}

// Address kinds that can never work inside a remote secret, with why.
var addressKinds = map[string]string{
	"loopback":    "loopback addresses: inside another cluster they name the pod itself (the kind/minikube trap)",
	"localhost":   "localhost: inside another cluster it names the pod itself",
	"link-local":  "link-local addresses, reachable only on their own link",
	"unspecified": "the unspecified address",
	"invalid":     "not URLs",
}

// addressKind says why a server URL cannot work inside a remote secret, as a
// key of addressKinds ("" when it can).
func addressKind(server string) string {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return "invalid"
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return "localhost"
	}
	ip, err := netip.ParseAddr(host)
	switch {
	case err != nil:
		return ""
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsUnspecified():
		return "unspecified"
	}
	return ""
}

// ServerAddresses is what the API server address check found (its
// Event.Details), for a UI that offers to accept loopback addresses.
type ServerAddresses struct {
	Servers map[string]string `json:"servers"` // context → the API server URL remote secrets carry
	// Loopback are the contexts whose server is this machine (a loopback
	// address or localhost): refused unless AllowLoopbackServers.
	Loopback []string `json:"loopback,omitempty"`
}

func checkServerAddresses(_ context.Context, p *plan) (steps.Result, error) {
	bad := map[string][]string{} // kind → "context url"
	var accepted, loopback []string
	addrs := map[string]string{}
	for _, m := range p.members {
		server := m.Server
		if server == "" {
			server = m.client().Server
		}
		addrs[m.context()] = server
		kind := addressKind(server)
		if kind == "loopback" || kind == "localhost" {
			loopback = append(loopback, m.context())
		}
		switch {
		case kind == "":
		case (kind == "loopback" || kind == "localhost") && p.opts.AllowLoopbackServers:
			accepted = append(accepted, m.context()+" "+server)
		default:
			bad[kind] = append(bad[kind], "context "+m.context()+" "+server)
		}
	}
	details := &ServerAddresses{Servers: addrs, Loopback: loopback}
	if len(bad) > 0 {
		var parts []string
		for _, kind := range sortedKeys(bad) {
			parts = append(parts, fmt.Sprintf("%s: %s", strings.Join(bad[kind], ", "), addressKinds[kind]))
		}
		return steps.Result{Details: details}, fmt.Errorf("%s", strings.Join(parts, "; "))
	}
	if len(accepted) > 0 {
		by := p.opts.LoopbackAcceptedBy
		if by == "" {
			by = LoopbackByFlag
		}
		return steps.Result{Details: details}, steps.Warnf("loopback API server addresses accepted because %s (sandbox/test only; no real remote cluster can reach them): %s", by, strings.Join(accepted, ", "))
	}
	return steps.Result{Details: details, Message: fmt.Sprintf("%d addresses usable", len(addrs))}, nil
}
