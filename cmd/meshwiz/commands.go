package main

import (
	"github.com/spf13/cobra"
)

// The commands below declare the flags the product will have, so that --help
// already documents them; their engines land issue by issue.

func newTeardownCmd(g *globalOptions) *cobra.Command {
	var out string
	var yes, dryRun, purgeCRDs, fromRecord bool
	cmd := &cobra.Command{
		Use:   "teardown",
		Short: "Find what the mesh left in every cluster and remove it in a safe order",
		Args:  noArgs,
		PreRunE: func(*cobra.Command, []string) error {
			return checkOutput(out)
		},
		RunE: notBuilt("is not built yet: it lands with the teardown engine"),
	}
	outputFlag(cmd, &out)
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only show what would be removed")
	cmd.Flags().BoolVar(&purgeCRDs, "purge-crds", false, "also delete Istio's CRDs (they hold user configuration)")
	cmd.Flags().BoolVar(&fromRecord, "all-from-record", false, "tear down every cluster named in meshwiz's install record")
	return cmd
}

func newStatusCmd(g *globalOptions) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the mesh's state in every selected cluster",
		Args:  noArgs,
		PreRunE: func(*cobra.Command, []string) error {
			return checkOutput(out)
		},
		RunE: notBuilt("is not built yet: it lands with the install engine"),
	}
	outputFlag(cmd, &out)
	return cmd
}
