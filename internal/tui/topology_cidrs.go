package tui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/kube"
)

// topologyCIDRTimeout bounds reading the nodes of all clusters.
const topologyCIDRTimeout = 20 * time.Second

// topologyCIDRsMsg carries the clusters' pod CIDRs (from their nodes'
// spec.podCIDRs) and which pairs overlap, to suggest a network per cluster.
type topologyCIDRsMsg struct {
	key      string            // the chosen contexts they were read for (topologyKey)
	ranges   map[string]string // context → its merged pod ranges, for the clusters that have some
	unknown  []string          // contexts whose nodes set no pod CIDR
	failed   map[string]error  // contexts whose nodes could not be listed
	overlaps []checks.Overlap  // between contexts
}

// topologyReadCIDRs lists the nodes of every context concurrently and
// compares their pod ranges pairwise. contexts is in config order; a
// context without a client counts as failed.
func topologyReadCIDRs(ctx context.Context, key string, contexts []string, clients map[string]*kube.Client) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, topologyCIDRTimeout)
		defer cancel()
		ranges := make([]checks.Ranges, len(contexts))
		errs := make([]error, len(contexts))
		var wg sync.WaitGroup
		for i, name := range contexts {
			c := clients[name]
			if c == nil {
				errs[i] = fmt.Errorf("no client for context %q", name)
				continue
			}
			wg.Go(func() { ranges[i], errs[i] = checks.PodRanges(ctx, checks.NewFacts(c)) })
		}
		wg.Wait()
		msg := topologyCIDRsMsg{key: key, ranges: map[string]string{}, failed: map[string]error{}}
		for i, name := range contexts {
			switch {
			case errs[i] != nil:
				msg.failed[name] = errs[i]
			case ranges[i] == nil:
				msg.unknown = append(msg.unknown, name)
			default:
				msg.ranges[name] = ranges[i].String()
			}
		}
		msg.overlaps = checks.PodOverlaps(contexts, ranges)
		return msg
	}
}

// suggestsPerCluster reports whether the pod ranges call for a network per
// cluster.
func (m topologyCIDRsMsg) suggestsPerCluster() bool { return len(m.overlaps) > 0 }

// topologyCIDRNote explains what the pod CIDRs say about the networks, for
// the networks page; names maps contexts to cluster names. A nil msg means
// the CIDRs are still being read.
func topologyCIDRNote(st Styles, msg *topologyCIDRsMsg, names func(string) string) []string {
	if msg == nil {
		return []string{st.Subtle.Render("Reading the nodes' pod CIDRs to suggest a layout…")}
	}
	var out []string
	if len(msg.overlaps) > 0 {
		pairs := make([]string, len(msg.overlaps))
		for i, o := range msg.overlaps {
			pairs[i] = names(o.A) + " and " + names(o.B) + " share " + o.Shared
		}
		out = append(out, st.Warn.Render(GlyphWarn)+" A network per cluster is suggested: the pod CIDRs overlap ("+
			strings.Join(pairs, "; ")+"), so pods cannot reach each other's IPs directly; "+
			"traffic between clusters then goes through east-west gateways.")
	} else if len(msg.ranges) > 1 && len(msg.unknown) == 0 && len(msg.failed) == 0 {
		out = append(out, st.OK.Render(GlyphOK)+" The pod CIDRs do not overlap: one network works when pods can reach "+
			"each other's IPs across clusters (one VPC, routed); otherwise pick a network per cluster.")
	}
	if len(msg.unknown) > 0 {
		var ns []string
		for _, c := range msg.unknown {
			ns = append(ns, names(c))
		}
		out = append(out, st.Subtle.Render("Pod CIDRs unknown for "+strings.Join(ns, ", ")+
			" (the nodes set no spec.podCIDR): choose by how the clusters are connected."))
	}
	for _, ctx := range slices.Sorted(maps.Keys(msg.failed)) {
		out = append(out, st.Subtle.Render("Could not read the nodes of "+names(ctx)+": "+msg.failed[ctx].Error()))
	}
	return out
}
