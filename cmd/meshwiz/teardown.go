package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/teardown"
)

// teardownOptions are the flags of `meshwiz teardown`.
type teardownOptions struct {
	meshFlags
	changeFlags
	purgeCRDs  bool
	fromRecord bool
	include    []string
}

func newTeardownCmd(g *globalOptions) *cobra.Command {
	o := &teardownOptions{}
	cmd := &cobra.Command{
		Use:   "teardown (--context C... | --config mesh.yaml | --all-from-record) [--yes]",
		Short: "Find what the mesh left in every cluster and remove it in a safe order",
		Long: `Find what meshwiz installed in the named clusters — its record, the Helm
releases in istio-system, Istio's webhooks, remote secrets (also those in the
other named clusters that point at a removed one), the reader ServiceAccount,
RBAC and token, the exposure gateways, cacerts, the injection and network
labels it added — show what will be removed, what is kept and why, and what
will break, then remove it in a safe order: remote secrets and gateways
first, then the east-west gateway, istiod, leftover webhooks, istio-base,
the reader token, cacerts, labels, istio-system (only if meshwiz created it
and nothing else is in it), and the record last.

Objects meshwiz did not create are listed and kept, unless named with
--include. Istio's CRDs, which hold user configuration, are deleted only
with --purge-crds. Running teardown again finishes what an interrupted or
partial teardown left, and says so when nothing is left.`,
		Example: `  meshwiz teardown --context east --context west --dry-run
  meshwiz teardown --config mesh.yaml --yes
  meshwiz teardown --all-from-record --purge-crds --yes -o json
  meshwiz teardown --context east --include configmap/istio-system/old-config --yes`,
		Args: noArgs,
		PreRunE: func(*cobra.Command, []string) error {
			return checkOutput(o.output)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTeardown(cmd.Context(), g, o, streams{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), Err: cmd.ErrOrStderr()})
		},
	}
	o.meshFlags.add(cmd, "mesh config file (mesh.yaml): tear down its clusters")
	o.changeFlags.add(cmd, "only show what would be removed, kept and broken")
	f := cmd.Flags()
	f.BoolVar(&o.purgeCRDs, "purge-crds", false, "also delete Istio's CRDs (they hold user configuration)")
	f.BoolVar(&o.fromRecord, "all-from-record", false, "tear down every kubeconfig context that holds a meshwiz record (of the named contexts' mesh, when some are named)")
	f.StringArrayVar(&o.include, "include", nil, "also remove this object meshwiz did not create: KIND/NAMESPACE/NAME, or KIND/NAME when cluster-scoped; repeatable")
	return cmd
}

func runTeardown(ctx context.Context, g *globalOptions, o *teardownOptions, s streams) error {
	var includes []teardown.Include
	for _, raw := range o.include {
		in, err := teardown.ParseInclude(raw)
		if err != nil {
			return usageError{err}
		}
		includes = append(includes, in)
	}
	clients, err := teardownClusters(ctx, g, o, s.Err)
	if err != nil {
		return err
	}
	if len(clients) == 0 {
		return nothingRecorded(o, s.Out)
	}
	fmt.Fprintf(s.Err, "Looking at %d cluster(s): %s...\n", len(clients), contextNames(clients))
	a := &action.Teardown{Clients: clients, PurgeCRDs: o.purgeCRDs, Include: includes}
	inv, err := a.Discover(ctx)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return codeError{code: exitAborted, err: fmt.Errorf("interrupted: nothing was changed")}
	}
	text := o.output == "text"
	if text {
		printLines(s.Out, inv.Lines())
	}
	unreached := inv.Unreachable()
	switch {
	case inv.NothingToDo():
		if text && len(unreached) > 0 {
			fmt.Fprintln(s.Out, "\nNothing to tear down in the clusters that answered.")
		} else if text {
			fmt.Fprintln(s.Out, "\nNothing to tear down.")
		} else if err := teardown.NewDocument(inv, nil, nil, nothingResult(unreached)).Render(s.Out); err != nil {
			return err
		}
		if o.dryRun {
			return dryRunUnreached(unreached)
		}
		return unreachedError(unreached)
	case o.dryRun:
		if text {
			fmt.Fprintln(s.Out, "\nDry run: nothing was changed.")
		} else if err := teardown.NewDocument(inv, nil, nil, teardown.ResultDryRun).Render(s.Out); err != nil {
			return err
		}
		return dryRunUnreached(unreached)
	case !o.yes && !isTerminal(s.In):
		return usagef("teardown changes %d cluster(s): pass --yes to confirm without a terminal (or --dry-run to only look)", len(clients)-len(unreached))
	case !o.yes:
		if !text {
			printLines(s.Err, inv.Lines())
		}
		if !confirm(s.In, s.Err, fmt.Sprintf("\nRemove what is listed above from %d cluster(s)?", len(clients)-len(unreached))) {
			return codeError{code: exitAborted, err: fmt.Errorf("nothing was changed")}
		}
	}

	var progress steps.Observer
	if text {
		progress = steps.LineObserver(s.Err)
	}
	res, err := a.Run(ctx, inv, progress)
	if err != nil {
		return err
	}
	sum, after := res.Summary, res.After
	if text {
		fmt.Fprintln(s.Out)
		if err := (steps.TextReport{Color: colorOK(s.Out)}).Render(s.Out, sum); err != nil {
			return err
		}
		fmt.Fprintln(s.Out, "\nLeft behind:")
		printLines(s.Out, teardown.LeftBehindLines(inv, after))
	} else if err := teardown.NewDocument(inv, &sum, after, res.Document()).Render(s.Out); err != nil {
		return err
	}
	if res.Outcome == action.Interrupted {
		return codeError{code: exitAborted, err: fmt.Errorf("interrupted: each cluster's %s/%s still lists what is left; run teardown again to finish", install.Namespace, install.RecordName)}
	}
	return res.Unfinished
}

// teardownClusters builds the clients of the clusters to tear down: the
// --context ones, the --config ones and, with --all-from-record, every
// context holding a meshwiz record (of the named clusters' mesh).
func teardownClusters(ctx context.Context, g *globalOptions, o *teardownOptions, errOut io.Writer) ([]*kube.Client, error) {
	var named []string
	add := func(c string) {
		if !slices.Contains(named, c) {
			named = append(named, c)
		}
	}
	for _, c := range g.contexts {
		add(c)
	}
	if o.config != "" {
		cfg, err := loadMesh(g, o.config)
		if err != nil {
			return nil, err
		}
		for _, cl := range cfg.Clusters {
			add(cl.Context)
		}
	}
	if len(named) == 0 && !o.fromRecord {
		return nil, usagef("name the clusters to tear down: --context NAME (repeatable), --config mesh.yaml, or --all-from-record (every kubeconfig context that holds a meshwiz record)")
	}
	clients := make([]*kube.Client, 0, len(named))
	for _, name := range named {
		c, err := g.loader().NewClient(name)
		if err != nil {
			return nil, usageError{err}
		}
		clients = append(clients, c)
	}
	if !o.fromRecord {
		return clients, nil
	}
	all, err := g.loader().Contexts()
	if err != nil {
		return nil, usageError{err}
	}
	candidates := slices.Clone(clients)
	for _, kc := range all {
		if !slices.Contains(named, kc.Name) {
			c, err := g.loader().NewClient(kc.Name)
			if err != nil {
				fmt.Fprintf(errOut, "skipping context %q: %v\n", kc.Name, err)
				continue
			}
			candidates = append(candidates, c)
		}
	}
	fmt.Fprintf(errOut, "Looking for meshwiz records in %d context(s)...\n", len(candidates))
	probes := teardown.FindRecords(ctx, candidates, teardown.DefaultProbeTimeout)
	meshIDs := map[string]bool{}
	for _, p := range probes[:len(clients)] {
		if p.Record != nil {
			meshIDs[p.Record.MeshID] = true
		}
	}
	for _, p := range probes[len(clients):] {
		switch {
		case p.Err != nil:
			fmt.Fprintf(errOut, "context %q was not read (%v): it is not torn down\n", p.Client.Context, p.Err)
		case p.Record == nil:
		case len(meshIDs) > 0 && !meshIDs[p.Record.MeshID]:
			fmt.Fprintf(errOut, "context %q holds mesh %q, not the named clusters' mesh: it is not torn down\n", p.Client.Context, p.Record.MeshID)
		default:
			clients = append(clients, p.Client)
		}
	}
	return clients, nil
}

// nothingRecorded reports an --all-from-record that found no record.
func nothingRecorded(o *teardownOptions, out io.Writer) error {
	if o.output == "json" {
		doc := teardown.Document{SchemaVersion: teardown.SchemaVersion, Result: teardown.ResultNothingToDo, PurgeCRDs: o.purgeCRDs,
			Clusters: []*teardown.Cluster{}, Preview: []teardown.Break{}, LeftBehind: []teardown.Leftover{}}
		return doc.Render(out)
	}
	fmt.Fprintln(out, "No kubeconfig context holds a meshwiz record: nothing to tear down.")
	return nil
}

func nothingResult(unreached []*teardown.Cluster) string {
	if len(unreached) > 0 {
		return teardown.ResultFailed
	}
	return teardown.ResultNothingToDo
}

// unreachedError is the exit-1 error when clusters were not reached.
func unreachedError(unreached []*teardown.Cluster) error {
	if len(unreached) == 0 {
		return nil
	}
	return fmt.Errorf("not reached: %s; nothing was changed there: run teardown again when it answers", unreachedNames(unreached))
}

// dryRunUnreached is a dry run's finding (exit 3) when clusters were not
// reached, however many others were: the preview is incomplete, and a real
// run would leave those clusters untouched.
func dryRunUnreached(unreached []*teardown.Cluster) error {
	if len(unreached) == 0 {
		return nil
	}
	return codeError{code: exitChecksFailed, err: fmt.Errorf("dry run: not reached: %s; the preview above lacks it, and a real teardown would leave it untouched: run teardown again when it answers",
		unreachedNames(unreached))}
}

func unreachedNames(unreached []*teardown.Cluster) string {
	names := make([]string, len(unreached))
	for i, c := range unreached {
		names[i] = c.Context
	}
	return strings.Join(names, ", ")
}

func contextNames(clients []*kube.Client) string {
	names := make([]string, len(clients))
	for i, c := range clients {
		names[i] = c.Context
	}
	return strings.Join(names, ", ")
}

func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}
