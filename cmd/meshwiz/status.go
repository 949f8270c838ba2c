package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/steps"
)

type statusOptions struct {
	meshFlags
}

func newStatusCmd(g *globalOptions, s streams) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [--context C]... [--config mesh.yaml]",
		Short: "Show the mesh's state in every selected cluster",
		Long: `Read, without changing anything, the state of the mesh in the selected
clusters (--context, repeatable, or the clusters of --config; default: the
current context): meshwiz's record, the Helm releases, istiod, the east-west
gateway's address, the clusters each istiod reads through remote secrets,
Istio webhooks whose Service is gone, and whether the clusters form one mesh.

Exit status: 0 when the mesh is healthy (warnings allowed), 3 when something
is wrong or a selected cluster is not in the mesh (it holds no meshwiz
record), 2 for usage errors.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd, g, o, s) },
	}
	o.add(cmd, "mesh config file: check its clusters")
	return cmd
}

func runStatus(cmd *cobra.Command, g *globalOptions, o *statusOptions, s streams) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	clients, _, err := selectClients(g, o.config)
	if err != nil {
		return err
	}
	res, err := (&action.Status{Clients: clients}).Run(cmd.Context(), nil)
	if err != nil {
		return err
	}
	if err := renderReadOnly(s, o.output, res.Summary); err != nil {
		return err
	}
	failed := readOnlyExit(cmd, res.Summary, "status check")
	if errors.Is(failed, errAborted) {
		return failed
	}
	if outside := res.NotInMesh; len(outside) > 0 {
		msg := outsideMessage(outside, o.config)
		if failed != nil {
			msg = failed.Error() + "; " + msg
		}
		return codeError{code: exitChecksFailed, err: errors.New(msg)}
	}
	return failed
}

// outsideMessage names the clusters outside the mesh and the two fixes:
// add them with setup, or select the clusters meant.
func outsideMessage(contexts []string, config string) string {
	names := strings.Join(contexts, ", ")
	what := "cluster " + names + " is"
	if len(contexts) > 1 {
		what = "clusters " + names + " are"
	}
	fix := "add it to mesh.yaml and run `meshwiz setup --config mesh.yaml`, or check that --context names the cluster you meant"
	if config != "" {
		fix = fmt.Sprintf("run `meshwiz setup --config %s` to install it there, or check that the context in %s names the cluster you meant", config, config)
	}
	return fmt.Sprintf("%s not in the mesh (no %s/%s): %s", what, install.Namespace, install.RecordName, fix)
}

// renderReadOnly renders a read-only run (status, verify) as text or JSON.
func renderReadOnly(s streams, output string, sum steps.Summary) error {
	if output == "json" {
		return steps.RenderJSON(s.Out, sum)
	}
	return steps.TextReport{Color: colorOK(s.Out)}.Render(s.Out, sum)
}

// readOnlyExit maps a rendered run to check's exit codes.
func readOnlyExit(cmd *cobra.Command, sum steps.Summary, what string) error {
	switch {
	case cmd.Context().Err() != nil:
		return errAborted
	case sum.Failed():
		return codeError{code: exitChecksFailed, err: fmt.Errorf("%d %s(s) failed", sum.Count(steps.Failed), what)}
	}
	return nil
}
