package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// setupOptions are the flags of `meshwiz setup`.
type setupOptions struct {
	meshFlags
	changeFlags
	checks  checks.MeshOptions // --skip-check, --skip-fatal, --allow-loopback-servers
	keyBits int
}

func newSetupCmd(g *globalOptions, s streams) *cobra.Command {
	o := &setupOptions{}
	cmd := &cobra.Command{
		Use:   "setup --config mesh.yaml [--yes]",
		Short: "Install the mesh described by a mesh config (mesh.yaml) into every cluster",
		Long: `Install the mesh described by the mesh config: first every prerequisite check
(nothing is applied when one fails), then the certificates (generated or
loaded), then in every cluster the istio-system namespace, cacerts, the Helm
releases istio-base, istiod and istio-eastwestgateway, the exposure gateways,
remote secrets and injection labels, concurrently across clusters.

Running setup again upgrades in place and finishes what an interrupted run
left undone.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSetup(cmd, g, o, s) },
	}
	o.meshFlags.add(cmd, "mesh config file (mesh.yaml); required")
	o.changeFlags.add(cmd, "stop after the prerequisite checks and the plan: change nothing")
	addCheckFlags(cmd, &o.checks, "skip-check", "prerequisite check ID to skip; repeatable", " in remote secrets")
	cmd.Flags().IntVar(&o.keyBits, "ca-key-size", certs.DefaultKeyBits, "RSA key size of generated CA keys (Istio's convention is 4096)")
	return cmd
}

// loadMesh reads, defaults and validates a mesh config, and checks that its
// contexts exist. Every problem is a usage error naming the field.
func loadMesh(g *globalOptions, path string) (*mesh.Config, error) {
	if path == "" {
		return nil, usagef("--config is required: the mesh config file (see the README for its format)")
	}
	cfg, err := mesh.Load(path)
	if err != nil {
		return nil, usageError{err}
	}
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		return nil, usageError{fmt.Errorf("%s:\n%w", path, err)}
	}
	all, err := g.loader().Contexts()
	if err != nil {
		return nil, usageError{err}
	}
	names := make([]string, len(all))
	for i, c := range all {
		names[i] = c.Name
	}
	if err := cfg.ValidateContexts(names); err != nil {
		return nil, usageError{fmt.Errorf("%s:\n%w", path, err)}
	}
	return cfg, nil
}

func runSetup(cmd *cobra.Command, g *globalOptions, o *setupOptions, s streams) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	cfg, err := loadMesh(g, o.config)
	if err != nil {
		return err
	}
	a := &action.Setup{Config: cfg, KeyBits: o.keyBits,
		Checks: o.checks}
	if err := a.Validate(); err != nil {
		return usageError{fmt.Errorf("%s:\n%w", o.config, err)}
	}
	warnLooseKeys(s.Err, cfg)
	if !o.yes && !o.dryRun && !isTerminal(s.In) {
		return usagef("setup changes %d clusters: pass --yes to confirm without a terminal", len(cfg.Clusters))
	}
	if a.Clients, err = meshClients(g, cfg); err != nil {
		return err
	}
	ctx := cmd.Context()
	render := func(sum steps.Summary) error {
		if o.output == "json" {
			return steps.RenderJSON(s.Out, sum)
		}
		return steps.TextReport{Color: colorOK(s.Out)}.Render(s.Out, sum)
	}
	var progress steps.Observer
	if o.output == "text" {
		progress = steps.LineObserver(s.Err)
	}
	a.OnPhase = func(p action.Phase, detail string) {
		switch p {
		case action.PhaseChecks:
			warnSkippedFatal(s, o.checks.Skip, cfg.MultiNetwork())
		case action.PhaseApply:
			fmt.Fprintln(s.Err, detail)
		}
	}
	a.Confirm = func(sum steps.Summary, preview []steps.Step) bool { return confirmSetup(s, o, cfg, sum, preview) }

	fmt.Fprintf(s.Err, "Checking %d clusters before touching anything...\n", len(cfg.Clusters))
	res, err := a.Run(ctx, progress)
	var optErr *action.OptionsError
	var caErr *install.CAError
	switch {
	case errors.As(err, &optErr):
		return usageError{errors.New(strings.ReplaceAll(err.Error(), "--skip ", "--skip-check "))}
	case errors.As(err, &caErr):
		return usageError{err}
	case err != nil:
		return err
	}
	sum := res.Install
	switch res.Outcome {
	case action.Declined:
		if o.dryRun {
			return nil
		}
		return codeError{code: exitAborted, err: fmt.Errorf("nothing was applied")}
	case action.ChecksFailed:
		if err := render(res.Checks); err != nil {
			return err
		}
		return codeError{code: exitChecksFailed, err: fmt.Errorf("%d prerequisite check(s) failed: nothing was applied", res.Checks.Count(steps.Failed))}
	case action.Interrupted:
		if len(sum.Steps) > 0 {
			break
		}
		if res.CAMessage == "" { // during the checks: their report, as a failure's
			if err := render(res.Checks); err != nil {
				return err
			}
		}
		return errAborted // nothing was applied
	}
	if err := render(sum); err != nil {
		return err
	}
	switch res.Outcome {
	case action.Interrupted:
		return codeError{code: exitAborted, err: fmt.Errorf("interrupted: what was applied is recorded in each cluster's %s/%s; run setup again to finish", install.Namespace, install.RecordName)}
	case action.StepsFailed:
		return fmt.Errorf("%d step(s) failed: what was applied is recorded in each cluster's %s/%s; fix the cause and run setup again to finish", sum.Count(steps.Failed), install.Namespace, install.RecordName)
	}
	return nil
}

// confirmSetup says that the checks passed, shows the plan and asks (or,
// with --dry-run, prints it and stops; with --yes, goes on).
func confirmSetup(s streams, o *setupOptions, cfg *mesh.Config, sum steps.Summary, preview []steps.Step) bool {
	if fatal := checks.SkippedFatal(o.checks.Skip, cfg.MultiNetwork()); len(fatal) > 0 {
		fmt.Fprintf(s.Err, "Prerequisite checks passed, but %d fatal checks were skipped (%s).\n", len(fatal), steps.SummaryLine(sum))
	} else {
		fmt.Fprintf(s.Err, "All prerequisite checks passed (%s).\n", steps.SummaryLine(sum))
	}
	byCluster := plannedOf(cfg, preview)
	nsteps := 0
	for _, pc := range byCluster {
		nsteps += len(pc.Steps)
	}
	switch {
	case o.dryRun:
		printPlanned(s.Out, byCluster, false)
		fmt.Fprintf(s.Out, "\nDry run: %d steps in %d clusters would run; nothing was changed (no certificates written either).\n", nsteps, len(cfg.Clusters))
		return false
	case o.yes:
		return true
	}
	printPlanned(s.Err, byCluster, false)
	return confirm(s.In, s.Err, fmt.Sprintf("\nApply these %d steps to %d clusters?", nsteps, len(cfg.Clusters)))
}

// confirm asks a yes/no question on a terminal.
func confirm(in io.Reader, out io.Writer, question string) bool {
	fmt.Fprintf(out, "%s [y/N] ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
