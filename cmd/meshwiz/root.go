package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/tui"
)

// streams are the command's standard input and outputs; tests pass buffers.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	kubeconfig string
	contexts   []string
}

func (g *globalOptions) loader() kube.Loader { return kube.Loader{Kubeconfig: g.kubeconfig} }

// validate refuses a context selected twice: the same cluster cannot be
// checked, installed or removed twice in one plan.
func (g *globalOptions) validate() error {
	seen := map[string]bool{}
	for _, c := range g.contexts {
		if c == "" {
			return usagef("--context needs a context name")
		}
		if seen[c] {
			return usagef("--context %q is given twice: name each cluster once", kube.Truncate(c, 80))
		}
		seen[c] = true
	}
	return nil
}

var errAborted = tui.ErrAborted

// run executes meshwiz with args and returns the process exit code.
func run(ctx context.Context, args []string, s streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	code := exitCode(err)
	if err != nil && err.Error() != "" {
		fmt.Fprintf(s.Err, "meshwiz: %v\n", err)
		if code == exitUsage {
			fmt.Fprintf(s.Err, "Run 'meshwiz --help' for usage.\n")
		}
	}
	return code
}

func newRootCmd(s streams) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "meshwiz",
		Short: "Join Kubernetes clusters into one Istio service mesh, safely, and back again",
		Long: `meshwiz takes you from "I have two or more Kubernetes clusters" to "they form one
Istio service mesh": it checks the multi-cluster traps before it touches anything,
installs Istio with live per-cluster progress, and can undo what it did.

Run it without arguments in a terminal for the guided wizard.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		// Suggest "check" for "chek" (see noArgs).
		SuggestionsMinimumDistance: 2,
		// cobra checks required flags and flag groups (e.g. mutually
		// exclusive flags) after the pre-run hooks and returns plain errors,
		// which would exit 1; check them here so they are usage errors.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmd.ValidateRequiredFlags(); err != nil {
				return usageError{err}
			}
			if err := cmd.ValidateFlagGroups(); err != nil {
				return usageError{err}
			}
			return g.validate()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isTerminal(s.In) || !isTerminal(s.Out) {
				// Without a terminal there is nothing to draw on: print help.
				cmd.SetOut(s.Out)
				return cmd.Help()
			}
			return tui.Run(cmd.Context(), tui.Options{Loader: g.loader(), Input: s.In, Output: s.Out})
		},
	}
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetIn(s.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, merged, or ~/.kube/config)")
	pf.StringArrayVar(&g.contexts, "context", nil, "kubeconfig context to use; repeat for several clusters (default: the current context)")
	root.AddCommand(
		newCheckCmd(g, s),
		newSetupCmd(g, s),
		newPlanCmd(g, s),
		newTeardownCmd(g),
		newStatusCmd(g, s),
		newVerifyCmd(g, s),
		newContextsCmd(g, s),
		newVersionCmd(s),
	)
	return root
}

// noArgs rejects positional arguments as a usage error. On a command with
// sub-commands (the root) an argument is a mistyped command.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && cmd.HasAvailableSubCommands() {
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
		}
		return usagef("%s", msg)
	}
	if len(args) > 0 {
		return usagef("%q takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// outputFlag adds -o text|json to cmd.
func outputFlag(cmd *cobra.Command, out *string) {
	cmd.Flags().StringVarP(out, "output", "o", "text", "output format: text or json")
}

func checkOutput(out string) error {
	switch out {
	case "text", "json":
		return nil
	}
	return usagef("--output %q is not supported: use text or json", out)
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
