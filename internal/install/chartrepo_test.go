package install

import (
	"testing"

	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestChartsFactNamesTheRepoKind: plan's charts line says which kind of
// repository a repo source is: Istio's OCI registry by default (the one
// Istio documents from 1.31 on), its classic index, the old GCS URL that
// has no 1.31 (with the fix), or any other OCI or classic repository.
func TestChartsFactNamesTheRepoKind(t *testing.T) {
	if mesh.DefaultRepoURL != istioOCICharts || charts.DefaultRepoURL != istioOCICharts {
		t.Fatalf("defaults %s / %s, want Istio's documented %s", mesh.DefaultRepoURL, charts.DefaultRepoURL, istioOCICharts)
	}
	for _, tc := range []struct {
		url  string
		want []string
	}{
		{"", []string{"charts: oci://ghcr.io/istio/release/charts 1.32.1 (Istio's OCI registry", "from 1.31 on", "oci://ghcr.io/istio/release/charts/<chart>:<version>", "values verified against Istio 1.31.0 only, not 1.32.1"}},
		{"https://blob.istio.io/istio-release/charts/", []string{"Istio's classic Helm repository (index.yaml), where it publishes its charts from 1.31 on"}},
		{"https://istio-release.storage.googleapis.com/charts", []string{"old classic Helm repository: it holds no release from 1.31 on; use oci://ghcr.io/istio/release/charts or https://blob.istio.io/istio-release/charts"}},
		{"oci://registry.example.test/istio", []string{"(an OCI registry: Helm pulls oci://registry.example.test/istio/<chart>:<version>)"}},
		{"https://charts.example.test/istio", []string{"(a classic Helm repository (index.yaml))"}},
	} {
		cfg := bedtest.Mesh(t, mesh.MultiPrimary, false, "a")
		cfg.Istio.Charts.Source, cfg.Istio.Charts.RepoURL, cfg.Istio.Version = mesh.ChartsRepo, tc.url, "1.32.1"
		cfg.Default()
		contains(t, tc.url, ChartsFact(cfg), tc.want...)
	}
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, false, "a")
	if got, want := ChartsFact(cfg), "charts: embedded Istio 1.31.0; values verified against this release"; got != want {
		t.Errorf("embedded: %q, want %q", got, want)
	}
}
