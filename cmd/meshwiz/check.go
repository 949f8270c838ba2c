package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// checkOptions are the flags of `meshwiz check`.
type checkOptions struct {
	output       string
	perNetwork   bool
	sameNetwork  bool
	checks       checks.MeshOptions // --skip, --skip-fatal, --allow-loopback-servers
	names        []string           // context=name
	servers      []string           // context=url
	istioVersion string
}

func newCheckCmd(g *globalOptions, s streams) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check every selected cluster for the multi-cluster traps before anything is installed",
		Long: `Check the selected clusters (--context, repeatable; default: the current context)
for everything that breaks a multi-cluster Istio install: reachability and
credentials, Kubernetes version, webhook API, RBAC, the token controller, existing or
half-removed Istio, pod and service CIDR overlap across clusters, the same
cluster selected twice, cluster names, API server addresses that remote
secrets cannot use, and differing root certificates or trust domains.

Check IDs (for --skip): ` + strings.Join(checks.IDs(), ", ") + `

Exit status: 0 when nothing failed (warnings allowed), 3 when a check failed,
2 for usage errors.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCheck(cmd, g, o, s) },
	}
	outputFlag(cmd, &o.output)
	f := cmd.Flags()
	f.BoolVar(&o.perNetwork, "network-per-cluster", false, "every cluster has its own network (CIDR overlap is informational)")
	f.BoolVar(&o.sameNetwork, "same-network", false, "all clusters share one network (the default: CIDR overlap is fatal)")
	f.StringArrayVar(&o.names, "name", nil, "mesh cluster name for a context, as CONTEXT=NAME (default: derived from the context name)")
	f.StringArrayVar(&o.servers, "server", nil, "API server URL other clusters will use for a context, as CONTEXT=URL (default: the kubeconfig's)")
	f.StringVar(&o.istioVersion, "istio-version", checks.DefaultIstioVersion, "Istio minor version to check against")
	addCheckFlags(cmd, &o.checks, "skip", "check ID to skip; repeatable", "")
	cmd.MarkFlagsMutuallyExclusive("network-per-cluster", "same-network")
	return cmd
}

// selectedContexts returns the --context values, or the current context.
func selectedContexts(g *globalOptions) ([]string, error) {
	if len(g.contexts) > 0 {
		return g.contexts, nil
	}
	c, err := g.loader().Context("")
	if err != nil {
		return nil, usageError{err}
	}
	return []string{c.Name}, nil
}

// pairs parses CONTEXT=VALUE flags, checking that every context is selected.
func pairs(flag string, values, contexts []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if ok {
			v = k + "=" + kube.RedactURL(val) // shown in errors: never a password
		}
		if !ok || k == "" || val == "" {
			return nil, usagef("--%s %q: want CONTEXT=VALUE", flag, kube.Truncate(v, 120))
		}
		if _, dup := out[k]; dup {
			return nil, usagef("--%s is given twice for context %q: give one value", flag, kube.Truncate(k, 80))
		}
		if err := checkPair(flag, val); err != nil {
			return nil, usagef("--%s %q: %v", flag, kube.Truncate(v, 120), err)
		}
		found := false
		for _, c := range contexts {
			found = found || c == k
		}
		if !found {
			return nil, usagef("--%s %q: context %q is not selected (selected: %s)", flag, kube.Truncate(v, 120), kube.Truncate(k, 80), strings.Join(contexts, ", "))
		}
		out[k] = val
	}
	return out, nil
}

func runCheck(cmd *cobra.Command, g *globalOptions, o *checkOptions, s streams) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	contexts, err := selectedContexts(g)
	if err != nil {
		return err
	}
	names, err := pairs("name", o.names, contexts)
	if err != nil {
		return err
	}
	servers, err := pairs("server", o.servers, contexts)
	if err != nil {
		return err
	}
	cfg := checkMesh(o, contexts, names, servers)
	clients, err := meshClients(g, cfg)
	if err != nil {
		return err
	}
	plan, err := checks.ForMesh(cfg, clients, o.checks)
	if err != nil {
		return usageError{err}
	}
	warnSkippedFatal(s, o.checks.Skip, cfg.MultiNetwork())
	var observe steps.Observer
	if o.output == "text" && isTerminal(s.Err) {
		observe = steps.LineObserver(s.Err)
	}
	sum, err := steps.Run(cmd.Context(), plan, observe)
	if err != nil {
		return err
	}
	if o.output == "json" {
		err = steps.RenderJSON(s.Out, sum)
	} else {
		err = steps.TextReport{Color: colorOK(s.Out)}.Render(s.Out, sum)
	}
	if err != nil {
		return err
	}
	if cmd.Context().Err() != nil {
		return errAborted
	}
	if sum.Failed() {
		return codeError{code: exitChecksFailed, err: fmt.Errorf("%d check(s) failed", sum.Count(steps.Failed))}
	}
	return nil
}

// checkMesh is the mesh config check's flags describe: one cluster per
// context, named by --name or mesh's default, on one network (or, with
// --network-per-cluster, each on mesh.NetworkFor its name), defaulted by
// mesh like a mesh.yaml, so that check runs the plan setup and the wizard
// run (checks.ForMesh) on the same names.
func checkMesh(o *checkOptions, contexts []string, names, servers map[string]string) *mesh.Config {
	cfg := &mesh.Config{Istio: mesh.Istio{Version: o.istioVersion}}
	for _, c := range contexts {
		cfg.Clusters = append(cfg.Clusters, mesh.Cluster{Context: c, Name: names[c], Server: servers[c]})
	}
	cfg.Default()
	if o.perNetwork {
		for i := range cfg.Clusters {
			cfg.Clusters[i].Network = mesh.NetworkFor(cfg.Clusters[i].Name)
		}
	}
	return cfg
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

// checkPair validates the value of a CONTEXT=VALUE flag with the mesh
// config's rule for the same field.
func checkPair(flag, val string) error {
	switch flag {
	case "server":
		return mesh.CheckServer(val)
	case "name":
		return mesh.CheckName(val)
	}
	return nil
}

// warnSkippedFatal says on stderr, visibly, which fatal checks are skipped.
func warnSkippedFatal(s streams, skip []string, multiNetwork bool) {
	if fatal := checks.SkippedFatal(skip, multiNetwork); len(fatal) > 0 {
		fmt.Fprintf(s.Err, "WARNING: fatal checks skipped with --skip-fatal: %s; nothing guards against what they check.\n", strings.Join(fatal, ", "))
	}
}

// colorOK reports whether w is a terminal and NO_COLOR is unset.
func colorOK(w any) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}
