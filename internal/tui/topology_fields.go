package tui

// The fields of each topology page, validated as typed with the engine's
// own messages.

import (
	"fmt"

	"charm.land/huh/v2"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// buildFields makes the fields of page p, bound to the values.
func (m topologyModel) buildFields(p topologyPage) []topologyField {
	v := m.v
	switch p.kind {
	case topologyPageModel:
		return []topologyField{
			{kind: topologySelect, label: "model", match: topologyPath("model"), field: huh.NewSelect[mesh.Model]().
				Title("Deployment model").
				Options(
					huh.NewOption("multi-primary · an istiod in every cluster: pick it when each cluster must keep working on its own, even cut off from the others", mesh.MultiPrimary),
					huh.NewOption("primary-remote · remotes run no istiod, a primary's controls them: pick it for fewer control planes when remotes may depend on the primary", mesh.PrimaryRemote),
				).
				Value(&v.model)},
			{kind: topologyInput, label: "mesh ID", match: topologyPath("meshID"), field: huh.NewInput().
				Title("Mesh ID").
				Description("The same in every cluster (global.meshID): lower case letters, digits, '-' and '.'").
				Validate(m.validator(func(v *topologyValues, s string) { v.meshID = s }, topologyPath("meshID"))).
				Value(&v.meshID)},
		}
	case topologyPageNetworks:
		perCluster := "a network per cluster · traffic between clusters goes through east-west gateways"
		if m.cidrs != nil && m.cidrs.suggestsPerCluster() {
			perCluster += " (suggested)"
		}
		fields := []topologyField{{kind: topologySelect, label: "networks", match: func(string) bool { return false },
			field: huh.NewSelect[bool]().
				Title("Networks").
				Options(
					huh.NewOption("one network · pods reach each other's IPs directly across clusters", false),
					huh.NewOption(perCluster, true),
				).
				Value(&v.perCluster)}}
		if !v.perCluster {
			match := func(p string) bool {
				var i int
				var rest string
				n, _ := fmt.Sscanf(p, "clusters[%d].%s", &i, &rest)
				return n == 2 && rest == "network"
			}
			fields = append(fields, topologyField{kind: topologyInput, label: "network", match: match, field: huh.NewInput().
				Title("Network name").
				Description("Every cluster joins this network (topology.istio.io/network)").
				Validate(m.validator(func(v *topologyValues, s string) { v.network = s }, match)).
				Value(&v.network)})
		}
		return fields
	case topologyPageRoles:
		var fields []topologyField
		for i := range v.clusters {
			opts := []huh.Option[int]{huh.NewOption("primary · runs istiod", -1)}
			for j, o := range v.clusters {
				if j != i {
					opts = append(opts, huh.NewOption("remote · controlled by "+o.name, j))
				}
			}
			path := fmt.Sprintf("clusters[%d]", i)
			match := topologyPath(path+".role", path+".primary")
			if i == 0 {
				match = func(p string) bool { return p == "clusters" || topologyPath(path+".role", path+".primary")(p) }
			}
			// No huh validation: the roles depend on each other, and the
			// focus must be free to move to the cluster that fixes an error.
			fields = append(fields, topologyField{kind: topologyInline, label: v.clusters[i].name, match: match,
				field: huh.NewSelect[int]().Title(v.clusters[i].name).Options(opts...).Inline(true).Value(&v.clusters[i].primaryOf)})
		}
		return fields
	}
	i := p.cluster
	tc := &v.clusters[i]
	path := func(f string) func(string) bool { return topologyPath(fmt.Sprintf("clusters[%d].%s", i, f)) }
	fields := []topologyField{{kind: topologyInput, label: "name", match: path("name"), field: huh.NewInput().
		Title("Cluster name").
		Description("Its name in the mesh (clusterName), from the context " + tc.context).
		Validate(m.validator(func(v *topologyValues, s string) { v.clusters[i].name = s }, path("name"))).
		Value(&tc.name)}}
	if v.perCluster {
		fields = append(fields, topologyField{kind: topologyInput, label: "network", match: path("network"), field: huh.NewInput().
			Title("Network").
			Description("This cluster's network (topology.istio.io/network)").
			Validate(m.validator(func(v *topologyValues, s string) { v.clusters[i].network = s }, path("network"))).
			Value(&tc.network)})
	}
	placeholder := tc.server
	if placeholder == "" {
		placeholder = "https://192.0.2.10:6443"
	}
	fields = append(fields, topologyField{kind: topologyInput, label: "API server address", match: path("server"), field: huh.NewInput().
		Title("API server address for remote secrets (optional)").
		Description("How the other clusters' istiod reach this API server; leave empty to use the kubeconfig's").
		Placeholder(placeholder).
		Validate(m.validator(func(v *topologyValues, s string) { v.clusters[i].apiServer = s }, path("server"))).
		Value(&tc.apiServer)})
	return fields
}

// pageErrors are the engine's messages for the fields of the current page.
func (m topologyModel) pageErrors() []string {
	return m.form.errors(m.v.errors(m.s.cfg))
}
