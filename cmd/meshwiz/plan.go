package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// planOptions are the flags of `meshwiz plan`.
type planOptions struct {
	meshFlags
	values bool
	out    string
	force  bool
}

// plannedCluster is one cluster of `meshwiz plan -o json`; the form is stable.
type plannedCluster struct {
	Name     string           `json:"name"`
	Context  string           `json:"context"`
	Role     mesh.Role        `json:"role"`
	Network  string           `json:"network"`
	Steps    []plannedStep    `json:"steps"`
	Releases []plannedRelease `json:"releases"`
}

type plannedStep struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// plannedRelease is one release with its values (install.PlannedRelease).
type plannedRelease = install.PlannedRelease

func newPlanCmd(g *globalOptions, s streams) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan --config mesh.yaml",
		Short: "Show, per cluster and in order, what setup would apply",
		Long: `Show, per cluster and in order, every step setup would run and the Helm values
of every release, without contacting the clusters. --out DIR writes each
cluster's objects in apply order — the Helm manifests (like helm template)
and meshwiz's own objects, Secret data redacted — plus the values files, for
review or GitOps. The directory must be new or empty, or hold an earlier
plan's files unchanged (listed with their sha256 in .meshwiz-plan.sha256):
those are replaced, and removed when the plan no longer has them; other or
changed files need --force (and are then left alone, or overwritten when
the plan writes them). A remote's istiod values name its primary's gateway
address, which is only known at install time: the plan shows a placeholder.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(g, o, s) },
	}
	o.add(cmd, "mesh config file (mesh.yaml); required")
	cmd.Flags().BoolVar(&o.values, "values", false, "also print the Helm values of every release")
	cmd.Flags().StringVar(&o.out, "out", "", "write every cluster's objects in apply order (and the Helm values) into this directory (new, empty, or holding an earlier plan)")
	cmd.Flags().BoolVar(&o.force, "force", false, "with --out: write even if the directory holds other files or changed plan files (other files are left alone)")
	return cmd
}

func planned(cfg *mesh.Config) ([]plannedCluster, error) {
	plan, err := install.Plan(cfg, install.Env{})
	if err != nil {
		return nil, err
	}
	return plannedOf(cfg, plan), nil
}

// plannedOf groups an install plan's steps by cluster.
func plannedOf(cfg *mesh.Config, plan []steps.Step) []plannedCluster {
	var out []plannedCluster
	for i := range cfg.Clusters {
		cl := &cfg.Clusters[i]
		pc := plannedCluster{Name: cl.Name, Context: cl.Context, Role: cl.Role, Network: cl.Network}
		for _, st := range plan {
			if st.Cluster == cl.Context {
				pc.Steps = append(pc.Steps, plannedStep{ID: st.ID, Title: st.Title})
			}
		}
		pc.Releases = install.PlannedReleases(cfg, cl)
		out = append(out, pc)
	}
	return out
}

func runPlan(g *globalOptions, o *planOptions, s streams) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	cfg, err := loadMesh(g, o.config)
	if err != nil {
		return err
	}
	if err := install.Preflight(cfg, 0); err != nil {
		return usageError{fmt.Errorf("%s:\n%w", o.config, err)}
	}
	warnLooseKeys(s.Err, cfg)
	pcs, err := planned(cfg)
	if err != nil {
		return err
	}
	if o.out != "" {
		if err := writePlan(cfg, o, len(pcs), s.Err); err != nil {
			return err
		}
	}
	if o.output == "json" {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"meshID": cfg.MeshID, "model": cfg.Model, "istio": cfg.Istio, "charts": install.ChartsFact(cfg), "clusters": pcs})
	}
	fmt.Fprintf(s.Out, "Mesh %s: %s, %d clusters, Istio %s images\n%s\n", cfg.MeshID, cfg.Model, len(pcs), cfg.TagOrVersion(), install.ChartsFact(cfg))
	printPlanned(s.Out, pcs, o.values)
	return nil
}

// writePlan writes the plan into o.out: a new or empty directory, or one
// holding only an earlier plan's unchanged files (replaced, and removed when
// this plan no longer has them); anything else needs --force.
func writePlan(cfg *mesh.Config, o *planOptions, clusters int, errOut io.Writer) error {
	earlier, err := checkPlanDir(o.out, o.force)
	if err != nil {
		return err
	}
	written, err := install.Export(cfg, o.out)
	if err != nil {
		return err
	}
	removed, err := finishPlanDir(o.out, written, earlier)
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "wrote the objects of %d clusters, in apply order, into %s (%d files, listed with their sha256 in %s)\n",
		clusters, o.out, len(written), planManifest)
	if removed > 0 {
		fmt.Fprintf(errOut, "removed %d file(s) of the earlier plan that this plan no longer has\n", removed)
	}
	return nil
}

// warnLooseKeys says on w which private keys of a brought CA (mode
// existing) group or others may read, and the chmod that fixes it.
func warnLooseKeys(w io.Writer, cfg *mesh.Config) {
	if cfg.Security.CA.Mode != mesh.CAExisting {
		return
	}
	names := make([]string, len(cfg.Clusters))
	for i, cl := range cfg.Clusters {
		names[i] = cl.Name
	}
	for _, line := range certs.KeyPermissionWarnings(cfg.Security.CA.Dir, names) {
		fmt.Fprintf(w, "WARNING: %s\n", line)
	}
}

// printPlanned lists every cluster's steps in order (and the Helm values).
func printPlanned(w io.Writer, pcs []plannedCluster, values bool) {
	for _, pc := range pcs {
		fmt.Fprintf(w, "\nCluster %s (context %s, %s, network %s)\n", pc.Name, pc.Context, pc.Role, pc.Network)
		for i, st := range pc.Steps {
			fmt.Fprintf(w, "  %2d. %s  [%s]\n", i+1, st.Title, st.ID)
		}
		if values {
			for _, r := range pc.Releases {
				printValues(w, r)
			}
		}
	}
}

func printValues(w io.Writer, r plannedRelease) {
	b, _ := yaml.Marshal(r.Values)
	fmt.Fprintf(w, "\n    values of release %s (chart %s):\n", r.Name, r.Chart)
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		fmt.Fprintf(w, "      %s\n", line)
	}
}
