package verify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// endpointProblems names, per followed service, every cluster whose ready
// endpoints this istiod does not hold, or holds on a network proxies
// elsewhere cannot reach.
func (v *verifier) endpointProblems(cl *Cluster, ist *Istiod) []string {
	var out []string
	all := append([]*Cluster{cl}, v.others(&kube.Client{Context: cl.Context})...)
	multiNetwork := false
	for _, o := range all {
		multiNetwork = multiNetwork || o.Network != ""
	}
	for _, host := range v.opts.Services {
		for _, o := range all {
			if len(o.Endpoints[host]) == 0 {
				continue
			}
			sh, ok := ist.shard(host, o.Name)
			switch {
			case !ok || len(sh.Addresses) == 0:
				out = append(out, fmt.Sprintf("istiod in %s holds no endpoints of %s from %s (%s has %d ready)", cl.Name, host, o.Name, o.Name, len(o.Endpoints[host])))
			case multiNetwork && sh.Network == "":
				out = append(out, fmt.Sprintf("endpoints of %s from %s carry no network: istio-system in %s lacks the topology.istio.io/network label, so other networks get its pod IPs without a gateway",
					host, o.Name, o.Name))
			case sh.Network != o.Network:
				out = append(out, fmt.Sprintf("istiod in %s puts %s's endpoints on network %q, but istio-system in %s is labelled %q", cl.Name, o.Name, sh.Network, o.Name, o.Network))
			case multiNetwork && len(ist.gateways(sh.Network)) == 0 && networksDiffer(all, sh.Network):
				out = append(out, fmt.Sprintf("no east-west gateway known for network %q (endpoints of %s from %s): proxies on other networks cannot reach them",
					sh.Network, host, o.Name))
			}
		}
	}
	return out
}

func networksDiffer(all []*Cluster, network string) bool {
	for _, o := range all {
		if o.Network != network {
			return true
		}
	}
	return false
}

// endpoints reports, per followed service, which clusters' endpoints this
// primary's istiod holds and on which network.
func (v *verifier) endpoints(_ context.Context, c *kube.Client) (steps.Result, error) {
	cl := v.st.get(c.Context)
	if cl == nil || cl.Istiod == nil {
		return steps.Result{}, steps.Skip("istiod was not read here (a remote, or the sync step failed)")
	}
	var parts []string
	for _, host := range v.opts.Services {
		var from []string
		for _, sh := range cl.Istiod.Services[host] {
			where := sh.Cluster
			if sh.Network != "" {
				where += "@" + sh.Network
			}
			from = append(from, fmt.Sprintf("%s %d", where, len(sh.Addresses)))
		}
		if len(from) == 0 {
			from = []string{"none"}
		}
		parts = append(parts, host+": "+strings.Join(from, ", "))
	}
	msg := strings.Join(parts, "; ")
	if probs := v.endpointProblems(cl, cl.Istiod); len(probs) > 0 {
		return steps.Result{Message: msg, Details: cl.Istiod.Services}, fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	return steps.Result{Message: msg, Details: cl.Istiod.Services}, nil
}

// Matrix says, per pair of clusters, how proxies in the row's cluster reach
// the column's endpoints: "local", "direct" (same network), "gateway
// <addr:port>", or what is wrong ("not read", "not synced", "no gateway",
// "no istiod", "unknown").
type Matrix struct {
	Clusters []string   `json:"clusters"`
	Cells    [][]string `json:"cells"`
}

// Lines renders the matrix for the text report (rows: where the proxy runs).
func (m *Matrix) Lines() []string {
	return steps.Grid("proxies in ↓", 0, m.Clusters, m.Cells)
}

// Healthy reports whether every cell is local, direct or through a gateway.
func (m *Matrix) Healthy() bool {
	for _, row := range m.Cells {
		for _, c := range row {
			if c != "local" && c != "direct" && !strings.HasPrefix(c, "gateway ") {
				return false
			}
		}
	}
	return true
}

// mesh builds the cluster × cluster matrix from what every istiod reported.
func (v *verifier) mesh() (steps.Result, error) {
	var all []*Cluster
	for _, c := range v.clients {
		if cl := v.st.get(c.Context); cl != nil {
			all = append(all, cl)
		}
	}
	if len(all) < 2 {
		return steps.Result{}, steps.Skip("fewer than two clusters could be read")
	}
	byName := map[string]*Cluster{}
	for _, cl := range all {
		byName[cl.Name] = cl
	}
	m := &Matrix{Cells: make([][]string, len(all))}
	var bad []string
	unasked := map[string]bool{} // primaries whose istiod could not be asked
	for i, from := range all {
		m.Clusters = append(m.Clusters, from.Name)
		m.Cells[i] = make([]string, len(all))
		for j, to := range all {
			m.Cells[i][j] = cell(from, to, byName)
			if m.Cells[i][j] != "local" && m.Cells[i][j] != "direct" && !strings.HasPrefix(m.Cells[i][j], "gateway ") {
				bad = append(bad, fmt.Sprintf("%s → %s: %s", from.Name, to.Name, m.Cells[i][j]))
			}
			if m.Cells[i][j] == cellUnknown {
				unasked[servingName(from)] = true
			}
		}
	}
	if len(bad) > 0 {
		err := fmt.Errorf("proxies cannot reach every cluster: %s", strings.Join(bad, "; "))
		if len(unasked) > 0 {
			// Not a setup problem until istiod answers: say what to fix first.
			names := slices.Sorted(maps.Keys(unasked))
			err = steps.WithHint(err, fmt.Sprintf("istiod of %s could not be asked (see its istiod step): reach it first (--istiod-address CONTEXT=HOST:PORT, or pods/portforward on istiod's pod); %q cells say nothing about the mesh",
				strings.Join(names, ", "), cellUnknown))
		}
		return steps.Result{Details: m}, err
	}
	return steps.Result{Message: fmt.Sprintf("%d clusters, every pair connected", len(all)), Details: m}, nil
}

// cellUnknown is a cell whose serving istiod could not be asked.
const cellUnknown = "unknown"

// servingName is the cluster whose istiod serves from's proxies.
func servingName(from *Cluster) string {
	if from.Primary {
		return from.Name
	}
	return from.ControlPlane
}

// cell says how proxies in from reach endpoints in to.
func cell(from, to *Cluster, byName map[string]*Cluster) string {
	if from == to {
		return "local"
	}
	serving := from
	if !from.Primary {
		serving = byName[servingName(from)]
	}
	if serving == nil {
		return "no istiod"
	}
	ist := serving.Istiod
	if ist == nil {
		return cellUnknown
	}
	if to != serving {
		switch s := ist.sync(to.Name); {
		case s.ID == "":
			return "not read"
		case s.SyncStatus != "synced":
			return "not synced"
		}
	}
	if from.Network == to.Network {
		return "direct"
	}
	if gws := ist.gateways(to.Network); len(gws) > 0 && to.Network != "" {
		return "gateway " + gws[0]
	}
	return "no gateway"
}
