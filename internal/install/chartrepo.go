package install

import (
	"strings"

	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// Where Istio publishes its Helm charts, as Istio documents it. The 1.31
// upgrade notes, "Deprecation of GCP infrastructure and hosting"
// (https://istio.io/latest/news/releases/1.31.x/announcing-1.31/upgrade-notes/,
// checked 2026-12-03): "From Istio 1.31 forwards, we will no longer publish
// artifacts to gcr.io/istio-release, registry.istio.io, and
// istio-release.storage.googleapis.com", "Helm charts will be available on
// blob.istio.io/istio-release/charts", "OCI Helm charts will be available at
// ghcr.io/istio/release/charts". The classic URL that Istio's "Install with
// Helm" pages add (`helm repo add istio
// https://istio-release.storage.googleapis.com/charts`, e.g.
// https://istio.io/v1.21/docs/setup/install/helm/) therefore has no 1.31 or
// later chart. meshwiz's default (mesh.DefaultRepoURL) is the OCI registry:
// Helm pulls oci://ghcr.io/istio/release/charts/<chart>:<version> with no
// `helm repo add` and no index to fetch.
const (
	istioOCICharts     = "oci://ghcr.io/istio/release/charts"
	istioClassicCharts = "https://blob.istio.io/istio-release/charts"
	istioGCSCharts     = "istio-release.storage.googleapis.com"
)

// repoKind says, for plan's charts line, which kind of Helm repository a
// repo source is and whether it is Istio's own.
func repoKind(url string) string {
	u := strings.TrimSuffix(url, "/")
	switch {
	case u == istioOCICharts:
		return "Istio's OCI registry, where it publishes its charts from 1.31 on: Helm pulls " + u + "/<chart>:<version>"
	case u == istioClassicCharts:
		return "Istio's classic Helm repository (index.yaml), where it publishes its charts from 1.31 on"
	case strings.Contains(u, istioGCSCharts):
		return "Istio's old classic Helm repository: it holds no release from 1.31 on; use " + istioOCICharts + " or " + istioClassicCharts
	case strings.HasPrefix(u, "oci://"):
		return "an OCI registry: Helm pulls " + u + "/<chart>:<version>"
	}
	return "a classic Helm repository (index.yaml)"
}

// chartsWhere is the charts line's source part: for a repo, its URL and
// version with the kind of repository it is.
func chartsWhere(cfg *mesh.Config, src charts.Source) string {
	if src.Kind != charts.SourceRepo {
		return src.Describe()
	}
	url := cfg.Istio.Charts.RepoURL
	if url == "" {
		url = mesh.DefaultRepoURL
	}
	return src.Describe() + " (" + repoKind(url) + ")"
}
