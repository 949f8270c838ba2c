package tui

import (
	"slices"
	"strings"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// topologyValues is what the topology screen's forms edit. The screen holds
// it by pointer: huh fields write into it as they are typed, and every copy
// of the screen model sees the same values. It reaches the session's mesh
// config only when the screen's input is complete and valid.
type topologyValues struct {
	meshID string
	model  mesh.Model
	// perCluster: a network per cluster; otherwise every cluster is on
	// network.
	perCluster bool
	network    string
	clusters   []topologyCluster
}

// topologyCluster is one cluster's part of the form.
type topologyCluster struct {
	context string
	server  string // the kubeconfig's API server, shown as the placeholder
	name    string
	// network is the cluster's own network, used with perCluster.
	network string
	// apiServer is the address written into remote secrets ("": the
	// kubeconfig's).
	apiServer string
	// primaryOf is, in a primary-remote mesh, the index of the primary that
	// controls this cluster, or -1 for a primary.
	primaryOf int
}

// newTopologyValues reads the values from the session's config (always
// defaulted, one cluster per chosen context) and keeps what was entered in
// old for the clusters still chosen.
func newTopologyValues(cfg *mesh.Config, contexts []kube.Context, old *topologyValues) *topologyValues {
	v := &topologyValues{meshID: cfg.MeshID, model: cfg.Model, perCluster: cfg.MultiNetwork(), network: mesh.DefaultNetwork}
	if !v.perCluster && len(cfg.Clusters) > 0 && cfg.Clusters[0].Network != "" {
		v.network = cfg.Clusters[0].Network
	}
	index := map[string]int{}
	for i, cl := range cfg.Clusters {
		index[cl.Name] = i
	}
	for i, cl := range cfg.Clusters {
		tc := topologyCluster{context: cl.Context, name: cl.Name, network: cl.Network, apiServer: cl.Server, primaryOf: -1}
		if !v.perCluster {
			tc.network = mesh.NetworkFor(cl.Name)
		}
		if j := slices.IndexFunc(contexts, func(c kube.Context) bool { return c.Name == cl.Context }); j >= 0 {
			tc.server = contexts[j].Server
		}
		switch {
		case cfg.Model == mesh.PrimaryRemote && cl.Role == mesh.Remote:
			if j, ok := index[cl.Primary]; ok && j != i {
				tc.primaryOf = j
			} else if i != 0 {
				tc.primaryOf = 0
			}
		case cfg.Model != mesh.PrimaryRemote && i > 0:
			tc.primaryOf = 0 // what a switch to primary-remote starts from
		}
		v.clusters = append(v.clusters, tc)
	}
	if old == nil {
		return v
	}
	// Keep what was typed but not yet committed, for the clusters still here.
	v.meshID, v.model, v.perCluster, v.network = old.meshID, old.model, old.perCluster, old.network
	for i := range v.clusters {
		j := slices.IndexFunc(old.clusters, func(o topologyCluster) bool { return o.context == v.clusters[i].context })
		if j < 0 {
			continue
		}
		o := old.clusters[j]
		v.clusters[i].name, v.clusters[i].network, v.clusters[i].apiServer = o.name, o.network, o.apiServer
	}
	return v
}

// clone returns a copy that shares nothing with v.
func (v *topologyValues) clone() *topologyValues {
	c := *v
	c.clusters = slices.Clone(v.clusters)
	return &c
}

// apply writes the values into cfg, whose clusters are the same contexts in
// the same order. It changes only what the screen edits.
func (v *topologyValues) apply(cfg *mesh.Config) {
	cfg.MeshID = v.meshID
	cfg.Model = v.model
	for i := range cfg.Clusters {
		cl := &cfg.Clusters[i]
		j := slices.IndexFunc(v.clusters, func(tc topologyCluster) bool { return tc.context == cl.Context })
		if j < 0 {
			continue
		}
		tc := v.clusters[j]
		cl.Name = tc.name
		cl.Server = tc.apiServer
		cl.Network = v.network
		if v.perCluster {
			cl.Network = tc.network
		}
		cl.Role, cl.Primary = mesh.Primary, ""
		if v.model == mesh.PrimaryRemote && tc.primaryOf >= 0 && tc.primaryOf < len(v.clusters) {
			cl.Role, cl.Primary = mesh.Remote, v.clusters[tc.primaryOf].name
		}
	}
}

// candidate returns a copy of cfg with the values applied; cfg is not
// changed.
func (v *topologyValues) candidate(cfg *mesh.Config) *mesh.Config {
	c := *cfg
	c.Clusters = slices.Clone(cfg.Clusters)
	v.apply(&c)
	return &c
}

// errors validates the values with the engine's rules: the config with the
// values applied, not defaulted (an emptied field is an error, not a
// default).
func (v *topologyValues) errors(cfg *mesh.Config) []*mesh.FieldError {
	return mesh.FieldErrors(v.candidate(cfg).Validate())
}

// topologyKey identifies a set of chosen contexts.
func topologyKey(contexts []kube.Context) string {
	names := make([]string, len(contexts))
	for i, c := range contexts {
		names[i] = c.Name
	}
	return strings.Join(names, "\x00")
}
