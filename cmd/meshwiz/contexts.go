package main

import (
	"encoding/json"
	"fmt"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// contextRow is one line of `meshwiz contexts`; its JSON form is stable.
type contextRow struct {
	Name      string `json:"name"`
	Current   bool   `json:"current"`
	Server    string `json:"server"`
	Reachable bool   `json:"reachable"`
	Version   string `json:"version,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Error     string `json:"error,omitempty"`
	Hint      string `json:"hint,omitempty"`
	TookMS    int64  `json:"tookMs"`
}

func newContextsCmd(g *globalOptions, s streams) *cobra.Command {
	var out string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "contexts",
		Short: "List kubeconfig contexts with their server and whether they answer",
		Long: `List every kubeconfig context (or those given with --context) with its API
server URL, and probe each one concurrently with the kubeconfig's credentials.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(out); err != nil {
				return err
			}
			if timeout <= 0 {
				return usagef("--timeout %s: want a positive duration such as 5s", timeout)
			}
			l := g.loader()
			all, err := l.Contexts()
			if err != nil {
				return usageError{err}
			}
			selected := all
			if len(g.contexts) > 0 {
				selected = selected[:0:0]
				for _, name := range g.contexts {
					c, err := l.Context(name)
					if err != nil {
						return usageError{err}
					}
					selected = append(selected, c)
				}
			}
			rows := probeAll(cmd, l, selected, timeout)
			if cmd.Context().Err() != nil {
				return errAborted // nothing half-probed is printed as if it were a result
			}
			if out == "json" {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"contexts": rows})
			}
			printContexts(s, rows)
			return nil
		},
	}
	outputFlag(cmd, &out)
	cmd.Flags().DurationVar(&timeout, "timeout", kube.DefaultProbeTimeout, "how long to wait for each API server, its exec credential plugin included")
	return cmd
}

// probeAll probes every context concurrently (kube.Probe bounds how many at
// once); the result keeps the input order.
func probeAll(cmd *cobra.Command, l kube.Loader, ctxs []kube.Context, timeout time.Duration) []contextRow {
	rows := make([]contextRow, len(ctxs))
	var wg sync.WaitGroup
	for i, c := range ctxs {
		wg.Go(func() {
			p := l.Probe(cmd.Context(), c.Name, timeout)
			r := contextRow{Name: c.Name, Current: c.Current, Server: c.Server, Reachable: p.Reachable(),
				Version: p.Version, Reason: string(p.Reason), TookMS: p.Took.Milliseconds()}
			if p.Err != nil {
				r.Error, r.Hint = p.Err.Error(), p.Hint()
			}
			rows[i] = r
		})
	}
	wg.Wait()
	return rows
}

func printContexts(s streams, rows []contextRow) {
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CURRENT\tCONTEXT\tSERVER\tSTATUS")
	for _, r := range rows {
		cur := ""
		if r.Current {
			cur = "*"
		}
		status := "reachable, Kubernetes " + r.Version
		if !r.Reachable {
			status = "unreachable: " + r.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cur, r.Name, r.Server, status)
	}
	tw.Flush()
	for _, r := range rows {
		if !r.Reachable {
			fmt.Fprintf(s.Out, "\n%s: %s\n", r.Name, r.Error)
			if r.Hint != "" {
				fmt.Fprintf(s.Out, "  hint: %s\n", r.Hint)
			}
		}
	}
}
