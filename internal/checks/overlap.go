package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// Matrix is an N×N grid of pairwise results between clusters, rendered as a
// grid in text and kept as data in JSON.
type Matrix struct {
	Clusters []string   `json:"clusters"`
	Cells    [][]string `json:"cells"` // "ok", "unknown", or what overlaps; "" on the diagonal
}

func newMatrix(names []string) *Matrix {
	m := &Matrix{Clusters: names, Cells: make([][]string, len(names))}
	for i := range m.Cells {
		m.Cells[i] = make([]string, len(names))
	}
	return m
}

// Lines renders the matrix for the text report.
func (m *Matrix) Lines() []string {
	short := func(s string) string {
		switch {
		case s == "":
			return "-"
		case strings.HasPrefix(s, "overlap"):
			return "OVERLAP"
		}
		return s
	}
	cells := make([][]string, len(m.Cells))
	for i, row := range m.Cells {
		for _, c := range row {
			cells[i] = append(cells[i], short(c))
		}
	}
	return steps.Grid("", len("unknown"), m.Clusters, cells)
}

// PodRanges returns a cluster's merged pod ranges, read from its nodes'
// spec.podCIDRs, or nil when no node sets one (the pod CIDR overlap check
// cannot judge the cluster then).
func PodRanges(ctx context.Context, f *Facts) (Ranges, error) {
	nodes, err := f.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	var cidrs []string
	for _, n := range nodes {
		cidrs = append(cidrs, n.PodCIDRs...)
	}
	if len(cidrs) == 0 {
		return nil, nil
	}
	r, err := NewRanges(cidrs)
	if err != nil {
		return nil, fmt.Errorf("context %q: node pod CIDRs: %w", f.Client.Context, err)
	}
	return r, nil
}

func podRanges(ctx context.Context, m *member) (Ranges, error) { return PodRanges(ctx, m.facts) }

// Overlap is two clusters whose pod ranges share addresses.
type Overlap struct {
	A, B   string // the clusters, in the order given
	Shared string // the first shared range, "10.244.0.0-10.244.255.255"
}

// PodOverlaps compares the pod ranges of every pair of clusters, as the pod
// CIDR overlap check does: ranges[i] are names[i]'s (PodRanges); a nil range
// is unknown and overlaps nothing.
func PodOverlaps(names []string, ranges []Ranges) []Overlap {
	var out []Overlap
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if _, shared := compare(ranges[i], ranges[j]); shared != "" {
				out = append(out, Overlap{A: names[i], B: names[j], Shared: shared})
			}
		}
	}
	return out
}

// compare is one cell of an overlap matrix ("unknown", "ok" or
// "overlap <range>") and the first range a and b share.
func compare(a, b Ranges) (cell, shared string) {
	if a == nil || b == nil {
		return "unknown", ""
	}
	if o := a.Overlap(b); o != "" {
		return "overlap " + o, o
	}
	return "ok", ""
}

func serviceRanges(ctx context.Context, m *member) (Ranges, error) {
	sr, err := m.facts.ServiceRange(ctx)
	if err != nil || len(sr.CIDRs) == 0 {
		return nil, err
	}
	r, err := NewRanges(sr.CIDRs)
	if err != nil {
		return nil, fmt.Errorf("context %q: service CIDRs (%s): %w", m.context(), sr.Source, err)
	}
	return r, nil
}

// overlapCheck compares, for every pair of reachable clusters, the ranges
// that left(i) and right(j) return, and fills a matrix.
func overlapCheck(ctx context.Context, p *plan, what string, left, right func(i int) (Ranges, string)) (steps.Result, error) {
	ok, down := p.reachableMembers(ctx)
	names := make([]string, len(ok))
	for i, m := range ok {
		names[i] = m.context()
	}
	mx := newMatrix(names)
	var overlaps, unknown []string
	for i := range ok {
		for j := range ok {
			if i == j {
				continue
			}
			a, aName := left(i)
			b, bName := right(j)
			cell, o := compare(a, b)
			mx.Cells[i][j] = cell
			switch {
			case cell == "unknown" && i < j:
				unknown = append(unknown, names[i]+"/"+names[j])
			case o != "" && (i < j || aName != bName):
				overlaps = append(overlaps, fmt.Sprintf("%s %s and %s %s share %s", names[i], aName, names[j], bName, o))
			}
		}
	}
	res := steps.Result{Details: mx}
	if len(overlaps) > 0 {
		return res, fmt.Errorf("%s", strings.Join(dedupe(overlaps), "; "))
	}
	if len(unknown) > 0 {
		return res, steps.Warnf("%s unknown for %s: overlap cannot be judged there%s", what, strings.Join(unknown, ", "), notCompared(down))
	}
	return steps.Result{Details: mx, Message: fmt.Sprintf("%d clusters compared%s", len(ok), notCompared(down))}, nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// gather computes a range per reachable member, remembering the first error.
func gather(ctx context.Context, ms []*member, f func(context.Context, *member) (Ranges, error)) ([]Ranges, error) {
	out := make([]Ranges, len(ms))
	for i, m := range ms {
		r, err := f(ctx, m)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

func checkPodOverlap(ctx context.Context, p *plan) (steps.Result, error) {
	ok, _ := p.reachableMembers(ctx)
	pods, err := gather(ctx, ok, podRanges)
	if err != nil {
		return steps.Result{}, err
	}
	pick := func(i int) (Ranges, string) { return pods[i], "pods" }
	return overlapCheck(ctx, p, "pod CIDRs", pick, pick)
}

func checkServiceOverlap(ctx context.Context, p *plan) (steps.Result, error) {
	ok, _ := p.reachableMembers(ctx)
	svcs, err := gather(ctx, ok, serviceRanges)
	if err != nil {
		return steps.Result{}, err
	}
	pods, err := gather(ctx, ok, podRanges)
	if err != nil {
		return steps.Result{}, err
	}
	// A cell compares i's services with j's services and j's pods.
	left := func(i int) (Ranges, string) { return svcs[i], "services" }
	right := func(j int) (Ranges, string) {
		if svcs[j] == nil {
			return nil, "services"
		}
		return svcs[j].Union(pods[j]), "services/pods"
	}
	return overlapCheck(ctx, p, "service CIDRs", left, right)
}
