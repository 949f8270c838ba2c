package teardown

import (
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// Lines renders the inventory for people as plain lines (no colour, no
// trailing newline), grouped per cluster: what will be removed, what is
// kept and why, the remote secrets elsewhere that point at the cluster,
// then what will break. The CLI prints them; a TUI can show them as they
// are.
func (inv *Inventory) Lines() []string {
	var out []string
	for _, c := range inv.Clusters {
		out = append(out, c.Lines()...)
	}
	for _, in := range inv.UnmatchedIncludes {
		out = append(out, fmt.Sprintf("! --include %s named nothing in any selected cluster (namespaced objects need KIND/NAMESPACE/NAME)", in))
	}
	if breaks := inv.Preview(); len(breaks) > 0 {
		out = append(out, "", "What will break:")
		for _, b := range breaks {
			where := b.Cluster
			if b.Namespace != "" {
				where += "/" + b.Namespace
			}
			out = append(out, fmt.Sprintf("  ! [%s] %s", where, b.Message))
		}
	}
	return out
}

// Lines renders one cluster of the inventory.
func (c *Cluster) Lines() []string {
	head := "Cluster " + c.Context
	var about []string
	if c.Name != "" && c.Name != c.Context {
		about = append(about, "cluster "+c.Name)
	}
	if c.MeshID != "" {
		about = append(about, "mesh "+c.MeshID)
	}
	if c.ControlPlane != "" {
		about = append(about, "remote of "+c.ControlPlane)
	}
	if len(about) > 0 {
		head += " (" + strings.Join(about, ", ") + ")"
	}
	if !c.Reachable {
		out := []string{head + ": not reached: " + c.Error}
		if c.Hint != "" {
			out = append(out, "  hint: "+c.Hint)
		}
		return append(out, "  nothing will be changed there: run teardown again when it answers")
	}
	if c.NothingLeft() {
		head += ": nothing of the mesh left"
	}
	out := []string{head}
	for _, g := range groups(c.Objects, true) {
		out = append(out, "  remove  "+g)
	}
	for _, g := range groups(c.Objects, false) {
		out = append(out, "  keep    "+g)
	}
	for _, p := range c.PointedAtBy {
		verb := "removed first"
		if p.Action != Remove {
			verb = "kept (not meshwiz's)"
		}
		out = append(out, fmt.Sprintf("  remote secret %s/%s in %s opens this cluster's API: %s", p.Namespace, p.Name, p.Cluster, verb))
	}
	return out
}

// groups renders objects with (or without) work to do, one line each,
// folding more than three of one kind and reason into one line.
func groups(objs []Object, work bool) []string {
	type key struct {
		cat          Category
		kind, reason string
	}
	var order []key
	by := map[key][]Object{}
	for _, o := range objs {
		if o.work() != work {
			continue
		}
		k := key{o.Category, o.Kind, o.Reason}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], o)
	}
	var out []string
	for _, k := range order {
		list := by[k]
		if len(list) <= 3 {
			for _, o := range list {
				out = append(out, describe(o))
			}
			continue
		}
		crs := 0
		var sample []string
		for i, o := range list {
			crs += o.CustomResources
			if i < 3 {
				sample = append(sample, refName(o))
			}
		}
		line := fmt.Sprintf("%d %ss (%s, …)", len(list), k.kind, strings.Join(sample, ", "))
		if k.cat == CatCRD {
			line = fmt.Sprintf("%d Istio CRDs holding %d custom resources (%s, …)", len(list), crs, strings.Join(sample, ", "))
		}
		out = append(out, line+": "+k.reason)
	}
	return out
}

func refName(o Object) string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// describe is one object's line: what it is, its detail, why.
func describe(o Object) string {
	s := o.Ref()
	if o.Kind == "Release" {
		s = "Helm release " + refName(o)
	}
	if o.Category == CatLabels {
		s = "labels on namespace " + o.Name
	}
	if o.Detail != "" {
		s += " [" + o.Detail + "]"
	}
	s += ": " + o.Reason
	if o.Category == CatNamespace && o.Action == Keep && len(o.Labels)+len(o.Annotations) > 0 {
		s += "; meshwiz's labels " + strings.Join(append(append([]string{}, o.Labels...), o.Annotations...), ", ") + " are removed from it"
	}
	return s
}

// Leftover is something teardown leaves in a cluster, and why.
type Leftover struct {
	Cluster string `json:"cluster"`
	// State is "not-reached" (the cluster did not answer), "still-there"
	// (meshwiz's, a step did not get to it: a re-run finishes), or "kept"
	// (not meshwiz's, or a CRD kept without --purge-crds).
	State  string `json:"state"`
	Object string `json:"object,omitempty"`
	Reason string `json:"reason"`
}

// left is what one cluster holds after a teardown.
type left struct {
	c    *Cluster // from the inventory after (or before, without one)
	objs []Object // meshwiz's still there, then the kept ones
}

// leftOver merges the inventories before and after a teardown: the cluster
// as it is now, meshwiz's objects still there (after), and the objects kept
// with the reasons discovery gave before anything changed (the namespace
// meshwiz created loses its labels, so only the earlier look knows why it
// stayed). Without after, only the kept objects of before.
func leftOver(before, after *Inventory) []left {
	var out []left
	for _, b := range before.Clusters {
		l := left{c: b}
		if after != nil {
			if a := after.Cluster(b.Context); a != nil {
				l.c = a
			}
		}
		if !l.c.Reachable {
			out = append(out, l)
			continue
		}
		seen := map[string]bool{}
		if after != nil {
			for _, o := range l.c.Objects {
				if o.work() {
					l.objs = append(l.objs, o)
					seen[o.Ref()] = true
				}
			}
		}
		var kept []Object
		if b.Reachable {
			kept = append(append(kept, b.Kept()...), b.Blockers...)
		}
		if l.c != b {
			for _, o := range l.c.Kept() {
				kept = append(kept, keptSince(b, l.c, o))
			}
		}
		for _, o := range kept {
			if !seen[o.Ref()] && !o.work() {
				seen[o.Ref()] = true
				l.objs = append(l.objs, o)
			}
		}
		out = append(out, l)
	}
	return out
}

// keptSince gives an object the run kept its reason from both inventories:
// istio-system that meshwiz created (the run was to delete it) but that the
// run kept, because objects meshwiz did not create appeared in it, is not
// "not created by meshwiz" (which is all the later inventory can tell once
// the record and the labels are gone).
func keptSince(before, after *Cluster, o Object) Object {
	was, ok := before.Find(o.Kind, o.Namespace, o.Name)
	if !ok || was.Action != Remove || o.Kind != "Namespace" {
		return o
	}
	o.Reason = "meshwiz created it, but kept it: it holds objects meshwiz did not create"
	if len(after.Blockers) > 0 {
		o.Reason += " (" + refs(after.Blockers, 5) + ")"
	}
	return o
}

// LeftBehind lists what a teardown left in every cluster, and why, from
// the inventories taken before and after it (after may be nil: a dry run).
func LeftBehind(before, after *Inventory) []Leftover {
	var out []Leftover
	for _, l := range leftOver(before, after) {
		if !l.c.Reachable {
			out = append(out, Leftover{Cluster: l.c.Context, State: "not-reached", Reason: l.c.Error + ": run teardown again when it answers"})
			continue
		}
		for _, o := range l.objs {
			if o.work() {
				out = append(out, Leftover{Cluster: l.c.Context, State: "still-there", Object: o.Ref(), Reason: "meshwiz's (" + o.Reason + "): run teardown again to finish"})
			} else {
				out = append(out, Leftover{Cluster: l.c.Context, State: "kept", Object: o.Ref(), Reason: o.Reason})
			}
		}
	}
	return out
}

// LeftBehindLines renders LeftBehind for people, per cluster, folding
// many objects of one kind (the CRDs) into one line.
func LeftBehindLines(before, after *Inventory) []string {
	var out []string
	for _, l := range leftOver(before, after) {
		switch {
		case !l.c.Reachable:
			out = append(out, fmt.Sprintf("  %s: not reached (%s): run teardown again when it answers", l.c.Context, l.c.Error))
			continue
		case len(l.objs) == 0:
			out = append(out, fmt.Sprintf("  %s: nothing", l.c.Context))
			continue
		}
		for _, g := range groups(l.objs, true) {
			out = append(out, fmt.Sprintf("  %s: still there: %s (run teardown again to finish)", l.c.Context, g))
		}
		for _, g := range groups(l.objs, false) {
			out = append(out, fmt.Sprintf("  %s: kept %s", l.c.Context, g))
		}
	}
	return out
}

// Unfinished returns nil when the run passed and the inventory taken after
// it shows every reachable cluster clean and no cluster unreached; else an
// error that says what is left where, and that a re-run finishes.
func (inv *Inventory) Unfinished(sum steps.Summary) error {
	var parts []string
	if n := sum.Count(steps.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d step(s) failed", n))
	}
	for _, c := range inv.Clusters {
		switch {
		case !c.Reachable:
			parts = append(parts, c.Context+": not reached, nothing was changed there")
		case !c.NothingLeft():
			var objs []string
			for _, o := range c.Objects {
				if o.work() {
					objs = append(objs, o.Ref())
				}
			}
			parts = append(parts, fmt.Sprintf("%s: %d object(s) of meshwiz's still there (%s)", c.Context, len(objs), strings.Join(first(objs, 4), ", ")))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("teardown is not finished: %s; run teardown again to finish", strings.Join(parts, "; "))
}
