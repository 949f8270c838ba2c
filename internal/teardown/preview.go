package teardown

import (
	"fmt"
	"sort"
	"strings"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// BreakKind says what a Break is about.
type BreakKind string

// What teardown can break.
const (
	// BreakSidecars: pods that keep an Istio sidecar lose their control plane.
	BreakSidecars BreakKind = "sidecars"
	// BreakRemote: a remote cluster loses the primary that controls it.
	BreakRemote BreakKind = "remote-control-plane"
	// BreakPeer: a cluster outside the selection still reads a removed one.
	BreakPeer BreakKind = "peer-reads-removed-cluster"
	// BreakCustomResources: Istio custom resources remain, or are deleted.
	BreakCustomResources BreakKind = "custom-resources"
)

// Break is one consequence of the teardown, shown before anything changes.
type Break struct {
	Kind BreakKind `json:"kind"`
	// Cluster is the kube context (or, outside the selection, the mesh
	// cluster name) that is affected.
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace,omitempty"`
	Message   string `json:"message"`
}

// Preview says what the teardown will break: namespaces whose pods still
// run sidecars, remote clusters that lose their primary's control plane,
// clusters outside the selection that still read a removed one, and the
// custom resources that remain (CRDs kept) or are deleted (PurgeCRDs).
func (inv *Inventory) Preview() []Break {
	var out []Break
	selected := map[string]*Cluster{} // by context and mesh name, reached or not
	for _, c := range inv.Clusters {
		selected[c.meshName()] = c
		selected[c.Context] = c
		selected[mesh.SuggestName(c.Context)] = c
	}
	for _, c := range inv.Clusters {
		if !c.Reachable {
			continue
		}
		istiodGoes := false
		for _, o := range c.Removes(CatRelease) {
			istiodGoes = istiodGoes || o.Chart == "istiod" || o.Name == "istiod"
		}
		for _, sc := range c.Sidecars {
			if !istiodGoes && c.ControlPlane == "" {
				continue
			}
			msg := fmt.Sprintf("%d pod(s) in namespace %s (e.g. %s) still run an Istio sidecar: they lose their control plane "+
				"(no new configuration, certificates stop rotating and expire within a day) and mTLS traffic to them breaks",
				sc.Pods, sc.Namespace, strings.Join(sc.Examples, ", "))
			if strictFor(c, selected) {
				msg += "; mesh-wide STRICT mTLS is set, so clients without a sidecar cannot reach them until they restart"
			}
			msg += "; restart them without injection after teardown (kubectl rollout restart)"
			out = append(out, Break{Kind: BreakSidecars, Cluster: c.Context, Namespace: sc.Namespace, Message: msg})
		}
		if istiodGoes {
			out = append(out, dependents(c, selected)...)
		}
		if p := c.ControlPlane; p != "" && selected[p] == nil {
			out = append(out, Break{Kind: BreakPeer, Cluster: p, Message: fmt.Sprintf(
				"cluster %s (not selected) controls %s and holds its remote secret: once %s's reader token is gone its istiod cannot read %s; "+
					"tear %s down as well, or delete %s there", p, c.meshName(), c.meshName(), c.meshName(), p, mesh.RemoteSecretName(c.meshName()))})
		}
		for _, ptr := range c.PointedAtBy {
			if ptr.Action != Remove {
				out = append(out, Break{Kind: BreakPeer, Cluster: ptr.Cluster, Message: fmt.Sprintf(
					"remote secret %s/%s in %s opens %s's API but meshwiz did not create it, so it stays: %s's istiod keeps trying to read %s; "+
						"delete it there, or name it with --include secret/%s/%s", ptr.Namespace, ptr.Name, ptr.Cluster, c.meshName(), ptr.Cluster,
					c.meshName(), ptr.Namespace, ptr.Name)})
			}
		}
		if b, ok := crBreak(c, inv.PurgeCRDs); ok {
			out = append(out, b)
		}
	}
	return out
}

// dependents are the clusters outside the selection that rely on primary
// c: its remotes, and the peers that read it through a remote secret.
func dependents(c *Cluster, selected map[string]*Cluster) []Break {
	var out []Break
	seen := map[string]bool{}
	reads := map[string]bool{} // clusters c's istiod reads
	for _, o := range c.Objects {
		if o.Category == CatRemoteSecret && o.PointsAt != "" {
			reads[o.PointsAt] = true
		}
	}
	var remotes []string
	if c.ServesRemotes {
		for name := range reads {
			if selected[name] == nil {
				remotes = append(remotes, name)
			}
		}
	}
	sort.Strings(remotes)
	for _, r := range remotes {
		if seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, Break{Kind: BreakRemote, Cluster: r, Message: fmt.Sprintf(
			"cluster %s is a remote of %s: when %s's istiod goes, %s's sidecars and gateways get no configuration or certificates "+
				"and its injection webhook (served by %s's istiod) fails; tear %s down as well, or move it to another primary first",
			r, c.label(), c.meshName(), r, c.meshName(), r)})
	}
	if c.ServesRemotes || len(c.Removes(CatReader)) == 0 {
		return out
	}
	var peers []string
	for name := range reads {
		if selected[name] == nil && !seen[name] {
			peers = append(peers, name)
		}
	}
	sort.Strings(peers)
	for _, p := range peers {
		out = append(out, Break{Kind: BreakPeer, Cluster: p, Message: fmt.Sprintf(
			"cluster %s (not selected) probably holds a remote secret for %s: once %s's reader token is gone its istiod cannot read %s "+
				"and drops its endpoints; tear %s down as well, or delete that remote secret there",
			p, c.meshName(), c.meshName(), c.meshName(), p)})
	}
	return out
}

// crBreak says what happens to the Istio custom resources meshwiz does not
// remove itself.
func crBreak(c *Cluster, purge bool) (Break, bool) {
	own := map[string]int{} // CRD name → meshwiz's objects of it that go anyway
	for _, o := range c.Objects {
		if o.Category == CatExposure && o.Action == Remove {
			own[strings.ToLower(o.Kind)+"s."+strings.SplitN(o.APIVersion, "/", 2)[0]]++
		}
	}
	var kept, gone []string
	nKept, nGone := 0, 0
	for _, o := range c.Objects {
		if o.Category != CatCRD {
			continue
		}
		n := o.CustomResources - own[o.Name]
		if n <= 0 {
			continue
		}
		part := fmt.Sprintf("%s %d", o.Name, n)
		if o.Action == Remove {
			gone, nGone = append(gone, part), nGone+n
		} else {
			kept, nKept = append(kept, part), nKept+n
		}
	}
	switch {
	case nGone > 0:
		return Break{Kind: BreakCustomResources, Cluster: c.Context, Message: fmt.Sprintf(
			"%d Istio custom resource(s) are deleted with their CRDs: %s", nGone, strings.Join(gone, ", "))}, true
	case nKept > 0 && !purge:
		return Break{Kind: BreakCustomResources, Cluster: c.Context, Message: fmt.Sprintf(
			"%d Istio custom resource(s) remain, inert without istiod (their CRDs are kept): %s", nKept, strings.Join(kept, ", "))}, true
	}
	return Break{}, false
}

// strictFor reports whether mesh-wide STRICT mTLS applies to c's workloads:
// set in c itself, or, on a remote, in its primary's istio-system (the
// primary's istiod serves the remote's configuration, so its mesh-wide
// PeerAuthentication covers the remote too; setup applies it there only).
func strictFor(c *Cluster, selected map[string]*Cluster) bool {
	if c.StrictMTLS {
		return true
	}
	p := selected[c.ControlPlane]
	return c.ControlPlane != "" && p != nil && p.StrictMTLS
}
