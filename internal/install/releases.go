package install

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// chart loads a chart once per run.
func (r *run) chart(name string) (*chart.Chart, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ch, ok := r.charts[name]; ok {
		return ch, nil
	}
	ch, err := charts.Load(r.env.Charts, name)
	if err != nil {
		return nil, err
	}
	r.charts[name] = ch
	return ch, nil
}

// ChartSource is where cfg's charts come from (cfg defaulted).
func ChartSource(cfg *mesh.Config) charts.Source {
	ch := cfg.Istio.Charts
	return charts.Source{Kind: ch.Source, RepoURL: ch.RepoURL, Path: ch.Path, Version: cfg.Istio.Version}
}

// ChartsFact is what `plan` and the wizard's review screen say about the
// charts: where they come from (for a repo, which kind: chartrepo.go) and
// which chart release meshwiz's values were verified against.
func ChartsFact(cfg *mesh.Config) string {
	src := ChartSource(cfg)
	return "charts: " + chartsWhere(cfg, src) + "; " + charts.VerifiedAgainst(src)
}

// Values are the chart values of every name in the mesh config for one
// cluster: the single place where cluster name, network, mesh ID and role
// become Helm values.
func Values(cfg *mesh.Config, cl *mesh.Cluster) charts.ClusterValues {
	v := charts.ClusterValues{MeshID: cfg.MeshID, ClusterName: cl.Name, Network: cl.Network,
		Hub: cfg.Istio.Hub, Tag: cfg.TagOrVersion(), MeshMTLS: cfg.Security.MTLS}
	switch cl.Role {
	case mesh.Remote:
		v.Remote, v.ConfigCluster, v.InjectionPath = true, true, cl.InjectionPath()
	case mesh.Primary:
		v.ExternalIstiod = len(cfg.RemotesOf(cl.Name)) > 0
	}
	return v
}

// chartRelease is a Helm release meshwiz installs and how its chart's
// values follow from a cluster's values: the one place each chart's values
// are chosen, for setup and for the plan alike.
type chartRelease struct {
	name, chart string
	values      func(cfg *mesh.Config, cl *mesh.Cluster, v charts.ClusterValues) map[string]any
}

// chartReleases are the releases in install order.
var chartReleases = []chartRelease{
	{ReleaseBase, charts.Base, func(_ *mesh.Config, _ *mesh.Cluster, v charts.ClusterValues) map[string]any {
		return charts.BaseValues(v)
	}},
	{ReleaseIstiod, charts.Istiod, func(_ *mesh.Config, _ *mesh.Cluster, v charts.ClusterValues) map[string]any {
		return charts.IstiodValues(v)
	}},
	{ReleaseGateway, charts.Gateway, func(cfg *mesh.Config, cl *mesh.Cluster, v charts.ClusterValues) map[string]any {
		return charts.GatewayValues(v, cfg.EastWestGateway.ServiceType, cfg.GatewayExternalIPs(cl))
	}},
}

// releasesOf are the releases setup installs into cl, in install order:
// istio-base, istiod and, where the mesh needs one, istio-eastwestgateway.
func releasesOf(cfg *mesh.Config, cl *mesh.Cluster) []chartRelease {
	if cfg.NeedsEastWestGateway(cl) {
		return chartReleases
	}
	return chartReleases[:2]
}

// releaseNamed is the release called name (one of the Release constants).
func releaseNamed(name string) (chartRelease, error) {
	for _, rel := range chartReleases {
		if rel.name == name {
			return rel, nil
		}
	}
	return chartRelease{}, fmt.Errorf("unknown release %q", name)
}

// values are the cluster's chart values; a remote's istiod also needs its
// primary's gateway address, known once that gateway is up.
func (r *run) values(cl *mesh.Cluster, chartName string) (charts.ClusterValues, error) {
	v := Values(r.cfg, cl)
	if cl.Role == mesh.Remote && chartName == charts.Istiod {
		addr, err := r.gateway(cl.Primary)
		if err != nil {
			return v, err
		}
		v.RemotePilotAddress = addr
	}
	return v, nil
}

func (r *run) installRelease(ctx context.Context, cl *mesh.Cluster, release string, progress func(string)) (steps.Result, error) {
	rel, err := releaseNamed(release)
	if err != nil {
		return steps.Result{}, err
	}
	ch, err := r.chart(rel.chart)
	if err != nil {
		return steps.Result{}, err
	}
	v, err := r.values(cl, rel.chart)
	if err != nil {
		return steps.Result{}, err
	}
	if rel.chart == charts.Istiod {
		if err := v.Validate(); err != nil {
			return steps.Result{}, fmt.Errorf("istiod values for %s: %w", cl.Name, err)
		}
	}
	vals := rel.values(r.cfg, cl, v)
	c := r.client(cl)
	// Recorded first, so that teardown finds a release whose install was cut
	// short (its cluster-wide objects included).
	if err := r.note(ctx, c, cl.Name, Object{APIVersion: "helm.sh/v3", Kind: "Release", Namespace: Namespace, Name: release, Change: "helm-release"}); err != nil {
		return steps.Result{}, err
	}
	msg, err := r.helmRelease(ctx, c, release, ch, vals, progress)
	if err != nil {
		return steps.Result{}, err
	}
	return steps.Result{Message: msg}, nil
}
