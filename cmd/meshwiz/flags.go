package main

import (
	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/checks"
)

// The flags several commands share, each declared once: the commands differ
// only in what the flag's help says it does there.

// meshFlags are -o and --config, of every command that reads a mesh config.
type meshFlags struct {
	output string
	config string
}

func (m *meshFlags) add(cmd *cobra.Command, configUsage string) {
	outputFlag(cmd, &m.output)
	cmd.Flags().StringVar(&m.config, "config", "", configUsage)
}

// changeFlags are --yes and --dry-run, of the commands that change clusters.
type changeFlags struct {
	yes    bool
	dryRun bool
}

func (c *changeFlags) add(cmd *cobra.Command, dryRunUsage string) {
	f := cmd.Flags()
	f.BoolVar(&c.yes, "yes", false, "do not ask for confirmation")
	f.BoolVar(&c.dryRun, "dry-run", false, dryRunUsage)
}

// addCheckFlags binds the prerequisite checks' options: --<skip>
// (repeatable), --skip-fatal and --allow-loopback-servers (where says where
// loopback addresses are accepted, "" or " in remote secrets").
func addCheckFlags(cmd *cobra.Command, o *checks.MeshOptions, skip, skipUsage, where string) {
	f := cmd.Flags()
	f.StringArrayVar(&o.Skip, skip, nil, skipUsage)
	f.BoolVar(&o.SkipFatal, "skip-fatal", false, "acknowledge that --"+skip+" names fatal checks (refused otherwise; reported in the output)")
	f.BoolVar(&o.AllowLoopbackServers, "allow-loopback-servers", false, "accept loopback API server addresses"+where+" (sandbox clusters on this machine only); reported as a warning")
}
