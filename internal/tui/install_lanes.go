package tui

import (
	"slices"
	"time"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// installStep is one step of the plan as the install screen shows it.
type installStep struct {
	ref     steps.Ref
	title   string
	label   string       // short name for the lane column
	status  steps.Status // "" until the step starts
	message string       // progress detail while running; the outcome after
	reason  steps.Reason // why a final status is not the step's own verdict
	hint    string
	started time.Time // of the first Running event
	took    time.Duration
}

// final reports whether the step has ended.
func (s installStep) final() bool { return s.status.Final() }

// cut reports whether the step was skipped because of a failure or a
// cancel, not because it had nothing to do.
func (s installStep) cut() bool { return steps.Event{Status: s.status, Reason: s.reason}.Cut() }

// installLane is one cluster's steps, in plan order. Steps of a lane run
// one after the other, so at most one of them runs at a time.
type installLane struct {
	context string // the steps' Cluster; "" for cross-cluster steps
	name    string // the mesh cluster name
	role    string // "primary", "remote of east"
	steps   []installStep
}

// counts tallies the lane's steps.
func (l installLane) counts() (finished, failed, skipped int) {
	for _, s := range l.steps {
		switch {
		case s.status == steps.Failed:
			failed++
			finished++
		case s.status == steps.Skipped:
			skipped++
			finished++
		case s.final():
			finished++
		}
	}
	return finished, failed, skipped
}

// running returns the index of the running step, or -1.
func (l installLane) running() int {
	return slices.IndexFunc(l.steps, func(s installStep) bool { return s.status == steps.Running })
}

// focus is the step the lane's view centres on: the running one, else the
// first failure, else the first step not started, else the last one that
// ran (where a cancelled lane stopped).
func (l installLane) focus() int {
	if i := l.running(); i >= 0 {
		return i
	}
	if i := slices.IndexFunc(l.steps, func(s installStep) bool { return s.status == steps.Failed }); i >= 0 {
		return i
	}
	if i := slices.IndexFunc(l.steps, func(s installStep) bool { return s.status == "" }); i >= 0 {
		return i
	}
	for i := len(l.steps) - 1; i > 0; i-- {
		if l.steps[i].status != steps.Skipped {
			return i
		}
	}
	return max(len(l.steps)-1, 0)
}

// installLanes lays plan out as one lane per cluster in the config's order;
// cross-cluster steps, if a plan has any, get a lane of their own at the
// end. where maps every step to its lane and index.
func installLanes(cfg *mesh.Config, plan []steps.Step) (lanes []installLane, where map[steps.Ref][2]int) {
	where = map[steps.Ref][2]int{}
	lane := map[string]int{}
	for _, cl := range cfg.Clusters {
		role := string(cl.Role)
		if cl.Role == mesh.Remote {
			role = "remote of " + cl.Primary
		}
		lane[cl.Context] = len(lanes)
		lanes = append(lanes, installLane{context: cl.Context, name: cl.Name, role: role})
	}
	for _, st := range plan {
		i, ok := lane[st.Cluster]
		if !ok {
			i = len(lanes)
			lane[st.Cluster] = i
			name := st.Cluster
			if name == "" {
				name = "across clusters"
			}
			lanes = append(lanes, installLane{context: st.Cluster, name: name})
		}
		where[st.Ref()] = [2]int{i, len(lanes[i].steps)}
		lanes[i].steps = append(lanes[i].steps, installStep{ref: st.Ref(), title: st.Title, label: st.Name()})
	}
	return lanes, where
}

// apply records an engine event. The lanes are copied on write, so earlier
// models keep what they showed.
func (m installModel) apply(e steps.Event) installModel {
	at, ok := m.where[e.Step]
	if !ok {
		return m // not a step of this plan
	}
	m.lanes = slices.Clone(m.lanes)
	l := &m.lanes[at[0]]
	l.steps = slices.Clone(l.steps)
	s := &l.steps[at[1]]
	wasFinal := s.final()
	switch {
	case e.Status == steps.Running:
		if s.status != steps.Running {
			s.started = e.Time
		}
		s.status, s.message, s.hint, s.took = steps.Running, e.Message, "", 0
	case e.Status.Final():
		s.status, s.message, s.hint, s.took, s.reason = e.Status, e.Message, e.Hint, e.Took, e.Reason
	}
	if !wasFinal && s.final() {
		m.finished++
	}
	if m.started.IsZero() && !e.Time.IsZero() {
		m.started = e.Time
	}
	if e.Time.After(m.now) {
		m.now = e.Time
	}
	return m
}

// failures lists the failed steps, lane by lane.
func (m installModel) failures() []installFailure {
	var out []installFailure
	for _, l := range m.lanes {
		for _, s := range l.steps {
			if s.status == steps.Failed {
				out = append(out, installFailure{lane: l.name, step: s})
			}
		}
	}
	return out
}

// installFailure is a failed step and the cluster it failed in.
type installFailure struct {
	lane string
	step installStep
}
