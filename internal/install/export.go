package install

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"sigs.k8s.io/yaml"

	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// GatewayPlaceholder stands for a primary's east-west gateway address (a
// fmt format taking the primary's name) in a plan: the address is only known
// at install time.
const GatewayPlaceholder = "<east-west gateway address of %s>"

// PlannedRelease is one Helm release of a cluster as the plan shows it: the
// values are final except a remote's gateway address (GatewayPlaceholder).
type PlannedRelease struct {
	Name   string         `json:"name"`
	Chart  string         `json:"chart"`
	Values map[string]any `json:"values"`
}

// PlannedReleases returns the Helm releases setup installs into cl, in
// install order: istio-base, istiod and, where the mesh needs one,
// istio-eastwestgateway.
func PlannedReleases(cfg *mesh.Config, cl *mesh.Cluster) []PlannedRelease {
	v := Values(cfg, cl)
	if cl.Role == mesh.Remote {
		v.RemotePilotAddress = fmt.Sprintf(GatewayPlaceholder, cl.Primary)
	}
	var out []PlannedRelease
	for _, rel := range releasesOf(cfg, cl) {
		out = append(out, PlannedRelease{rel.name, rel.chart, rel.values(cfg, cl, v)})
	}
	return out
}

// Export writes the plan of cfg (defaulted and valid) into dir without
// contacting the clusters, for review or GitOps: per cluster, one file per
// step in apply order, <dir>/<cluster>/NN-<step>.yaml (a Helm manifest, like
// helm template, or meshwiz's own objects with Secret data redacted; waits
// have no file), and <release>.values.yaml for every release. It returns the
// paths it wrote, in that order. `meshwiz plan --out` and the wizard's
// review screen both use it.
func Export(cfg *mesh.Config, dir string) ([]string, error) {
	b, err := plan(cfg, Env{})
	if err != nil {
		return nil, err
	}
	src := ChartSource(cfg)
	loaded := map[string]*chart.Chart{} // by chart name, loaded once
	var written []string
	write := func(path string, body []byte) error {
		if err := os.WriteFile(path, body, 0o644); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	for i := range cfg.Clusters {
		cl := &cfg.Clusters[i]
		cdir := filepath.Join(dir, cl.Name)
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			return written, err
		}
		releases := map[string]PlannedRelease{}
		for _, r := range PlannedReleases(cfg, cl) {
			releases[r.Name] = r
			vb, err := yaml.Marshal(r.Values)
			if err != nil {
				return written, err
			}
			if err := write(filepath.Join(cdir, r.Name+".values.yaml"), vb); err != nil {
				return written, err
			}
		}
		n := 0
		for i, st := range b.steps {
			if st.Cluster != cl.Context {
				continue
			}
			n++
			var body string
			shown := b.planned[i]
			if shown.release != "" {
				r := releases[shown.release]
				ch, ok := loaded[r.Chart]
				if !ok {
					if ch, err = charts.Load(src, r.Chart); err != nil {
						return written, err
					}
					loaded[r.Chart] = ch
				}
				if body, err = charts.Render(ch, r.Name, Namespace, r.Values, ""); err != nil {
					return written, fmt.Errorf("rendering %s for cluster %s: %w", r.Name, cl.Name, err)
				}
			} else {
				for _, doc := range shown.documents() {
					b, err := yaml.Marshal(doc)
					if err != nil {
						return written, err
					}
					body += "---\n" + string(b)
				}
			}
			if body == "" {
				continue // a wait: nothing to apply
			}
			name := fmt.Sprintf("%02d-%s.yaml", n, strings.ReplaceAll(strings.TrimPrefix(st.ID, "install/"), "/", "-"))
			header := fmt.Sprintf("# step %d of cluster %s: %s (%s)\n", n, cl.Name, st.Title, st.ID)
			if err := write(filepath.Join(cdir, name), []byte(header+body)); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}
