package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/status"
	"github.com/meshwiz/meshwiz/internal/steps"
)

type statusOptions struct {
	output string
	config string
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
is wrong, 2 for usage errors.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd, g, o, s) },
	}
	outputFlag(cmd, &o.output)
	cmd.Flags().StringVar(&o.config, "config", "", "mesh config file: check its clusters")
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
	return runReadOnlyPlan(cmd, s, o.output, status.Plan(clients), "status check")
}

// runReadOnlyPlan runs a plan of read-only steps (status, verify), renders it
// as text or JSON and maps the result to check's exit codes: 3 when a step
// failed, 130 when interrupted.
func runReadOnlyPlan(cmd *cobra.Command, s streams, output string, plan []steps.Step, what string) error {
	sum, err := steps.Run(cmd.Context(), plan, nil)
	if err != nil {
		return err
	}
	if output == "json" {
		err = steps.RenderJSON(s.Out, sum)
	} else {
		err = steps.TextReport{Color: colorOK(s.Out)}.Render(s.Out, sum)
	}
	switch {
	case err != nil:
		return err
	case cmd.Context().Err() != nil:
		return errAborted
	case sum.Failed():
		return codeError{code: exitChecksFailed, err: fmt.Errorf("%d %s(s) failed", sum.Count(steps.Failed), what)}
	}
	return nil
}
