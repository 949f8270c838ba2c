package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// setupOptions are the flags of `meshwiz setup`.
type setupOptions struct {
	config        string
	yes           bool
	allowLoopback bool
	skip          []string
	skipFatal     bool
	output        string
	keyBits       int
	dryRun        bool
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
	outputFlag(cmd, &o.output)
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "mesh config file (mesh.yaml); required")
	f.BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
	f.BoolVar(&o.allowLoopback, "allow-loopback-servers", false, "accept loopback API server addresses in remote secrets (sandbox clusters on this machine only); reported as a warning")
	f.StringArrayVar(&o.skip, "skip-check", nil, "prerequisite check ID to skip; repeatable")
	f.BoolVar(&o.skipFatal, "skip-fatal", false, "acknowledge that --skip-check names fatal checks (refused otherwise; reported in the output)")
	f.BoolVar(&o.dryRun, "dry-run", false, "stop after the prerequisite checks and the plan: change nothing")
	f.IntVar(&o.keyBits, "ca-key-size", certs.DefaultKeyBits, "RSA key size of generated CA keys (Istio's convention is 4096)")
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

// meshClients builds one client bundle per cluster of the config.
func meshClients(g *globalOptions, cfg *mesh.Config) (map[string]*kube.Client, error) {
	out := map[string]*kube.Client{}
	for _, cl := range cfg.Clusters {
		c, err := g.loader().NewClient(cl.Context)
		if err != nil {
			return nil, usageError{err}
		}
		out[cl.Context] = c
	}
	return out, nil
}

func runSetup(cmd *cobra.Command, g *globalOptions, o *setupOptions, s streams) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	cfg, err := loadMesh(g, o.config)
	if err != nil {
		return err
	}
	if err := install.Preflight(cfg, o.keyBits); err != nil {
		return usageError{fmt.Errorf("%s:\n%w", o.config, err)}
	}
	warnLooseKeys(s.Err, cfg)
	if !o.yes && !o.dryRun && !isTerminal(s.In) {
		return usagef("setup changes %d clusters: pass --yes to confirm without a terminal", len(cfg.Clusters))
	}
	clients, err := meshClients(g, cfg)
	if err != nil {
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

	fmt.Fprintf(s.Err, "Checking %d clusters before touching anything...\n", len(cfg.Clusters))
	checkPlan, err := checks.ForMesh(cfg, clients, checks.MeshOptions{AllowLoopbackServers: o.allowLoopback, Skip: o.skip, SkipFatal: o.skipFatal})
	if err != nil {
		return usageError{errors.New(strings.ReplaceAll(err.Error(), "--skip ", "--skip-check "))}
	}
	warnSkippedFatal(s, o.skip, cfg.MultiNetwork())
	sum, err := steps.Run(ctx, checkPlan, nil)
	if err != nil {
		return err
	}
	if sum.Failed() || ctx.Err() != nil {
		if err := render(sum); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return errAborted
		}
		return codeError{code: exitChecksFailed, err: fmt.Errorf("%d prerequisite check(s) failed: nothing was applied", sum.Count(steps.Failed))}
	}
	if fatal := checks.SkippedFatal(o.skip, cfg.MultiNetwork()); len(fatal) > 0 {
		fmt.Fprintf(s.Err, "Prerequisite checks passed, but %d fatal checks were skipped (%s).\n", len(fatal), steps.SummaryLine(sum))
	} else {
		fmt.Fprintf(s.Err, "All prerequisite checks passed (%s).\n", steps.SummaryLine(sum))
	}

	preview, err := planned(cfg)
	if err != nil {
		return err
	}
	nsteps := 0
	for _, pc := range preview {
		nsteps += len(pc.Steps)
	}
	if o.dryRun {
		printPlanned(s.Out, preview, false)
		fmt.Fprintf(s.Out, "\nDry run: %d steps in %d clusters would run; nothing was changed (no certificates written either).\n", nsteps, len(cfg.Clusters))
		return nil
	}
	if !o.yes {
		printPlanned(s.Err, preview, false)
		if !confirm(s.In, s.Err, fmt.Sprintf("\nApply these %d steps to %d clusters?", nsteps, len(cfg.Clusters))) {
			return codeError{code: exitAborted, err: fmt.Errorf("nothing was applied")}
		}
	}
	certsByCluster, certMsg, err := install.PrepareCerts(cfg, o.keyBits)
	var caErr *install.CAError
	if errors.As(err, &caErr) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(s.Err, certMsg)
	plan, err := install.Plan(cfg, install.Env{Clients: clients, Certs: certsByCluster})
	if err != nil {
		return err
	}
	sum, err = steps.Run(ctx, plan, progress)
	if err != nil {
		return err
	}
	if err := render(sum); err != nil {
		return err
	}
	switch {
	case ctx.Err() != nil:
		return codeError{code: exitAborted, err: fmt.Errorf("interrupted: what was applied is recorded in each cluster's %s/%s; run setup again to finish", install.Namespace, install.RecordName)}
	case sum.Failed():
		return fmt.Errorf("%d step(s) failed: what was applied is recorded in each cluster's %s/%s; fix the cause and run setup again to finish", sum.Count(steps.Failed), install.Namespace, install.RecordName)
	}
	return nil
}

// confirm asks a yes/no question on a terminal.
func confirm(in io.Reader, out io.Writer, question string) bool {
	fmt.Fprintf(out, "%s [y/N] ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
