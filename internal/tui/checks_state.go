package tui

// What the checks screen's results say: what blocks going on, which
// warnings wait for acceptance, whether to offer loopback servers, and the
// cell under the cursor.

import (
	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// ready reports whether enter continues.
func (m checksModel) ready() bool {
	return m.done != nil && m.planErr == nil && len(m.blocking()) == 0 && len(m.unaccepted()) == 0
}

// events returns the current run's events in grid order: row by row, each
// row's clusters in column order. Steps without an event yet are left out.
func (m checksModel) events() []steps.Event {
	var out []steps.Event
	for _, r := range m.rows {
		for _, ref := range m.refs(r) {
			if e, ok := m.cells[ref]; ok {
				out = append(out, e)
			}
		}
	}
	return out
}

// refs returns the steps of a row: one per cluster, or the one mesh step.
func (m checksModel) refs(r checkRow) []steps.Ref {
	if r.mesh {
		return []steps.Ref{{ID: r.id}}
	}
	out := make([]steps.Ref, len(m.clusters))
	for i, c := range m.clusters {
		out[i] = steps.Ref{ID: r.id, Cluster: c}
	}
	return out
}

// blocking returns the failures that stop the install: every Failed step
// (warning and info checks never fail, they warn or note).
func (m checksModel) blocking() []steps.Event {
	var out []steps.Event
	for _, e := range m.events() {
		if e.Status == steps.Failed && e.Severity >= steps.Error {
			out = append(out, e)
		}
	}
	return out
}

// unaccepted returns the warnings not acknowledged yet.
func (m checksModel) unaccepted() []steps.Event {
	var out []steps.Event
	for _, e := range m.events() {
		if e.Status == steps.Warned && !m.isAccepted(e) {
			out = append(out, e)
		}
	}
	return out
}

func (m checksModel) isAccepted(e steps.Event) bool {
	message, ok := m.accepted[e.Step]
	return ok && message == e.Message && m.s.acked[e.Step]
}

// offerLoopback reports whether the server address check failed where some
// servers are on this machine (checks.ServerAddresses.Loopback), which the
// Loopback key would accept.
func (m checksModel) offerLoopback() bool {
	if m.s.allowLoopback || m.running {
		return false
	}
	e, ok := m.cells[steps.Ref{ID: serverAddressCheck}]
	if !ok || e.Status != steps.Failed {
		return false
	}
	switch d := e.Details.(type) {
	case *checks.ServerAddresses:
		return len(d.Loopback) > 0
	}
	return false
}

// statusRank orders statuses from the most to the least worth showing.
func statusRank(e steps.Event, ok bool) int {
	if !ok {
		return 0
	}
	switch e.Status {
	case steps.Failed:
		return 6
	case steps.Warned:
		return 5
	case steps.Noted:
		return 4
	case steps.Running:
		return 3
	case steps.Skipped:
		return 2
	}
	return 1
}

// worstColumn is the column of a per-cluster row's most noteworthy cell:
// failures first, leftmost on a tie.
func (m checksModel) worstColumn(r checkRow) int {
	best, rank := 0, -1
	for i, ref := range m.refs(r) {
		e, ok := m.cells[ref]
		if n := statusRank(e, ok); n > rank {
			best, rank = i, n
		}
	}
	return best
}

// follow puts the cursor on the first failure (or else the first warning)
// until the user moves it, so that what needs fixing is explained at once.
func (m checksModel) follow() checksModel {
	if m.moved {
		return m
	}
	for _, want := range []steps.Status{steps.Failed, steps.Warned} {
		for i, r := range m.rows {
			for _, ref := range m.refs(r) {
				if e, ok := m.cells[ref]; ok && e.Status == want {
					m.cursor, m.col = i, -1
					return m
				}
			}
		}
	}
	return m
}

// selected returns the step under the cursor: the chosen cluster's cell of
// a per-cluster row (by default its worst), or a cross-cluster row's cell.
func (m checksModel) selected() (checkRow, steps.Ref, bool) {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return checkRow{}, steps.Ref{}, false
	}
	r := m.rows[m.cursor]
	if r.mesh {
		return r, steps.Ref{ID: r.id}, true
	}
	col := m.col
	if col < 0 || col >= len(m.clusters) {
		col = m.worstColumn(r)
	}
	return r, steps.Ref{ID: r.id, Cluster: m.clusters[col]}, true
}

// selectedColumn is the column drawn as selected on the cursor row.
func (m checksModel) selectedColumn() int {
	_, ref, ok := m.selected()
	if !ok || ref.Cluster == "" {
		return -1
	}
	for i, c := range m.clusters {
		if c == ref.Cluster {
			return i
		}
	}
	return -1
}

// where names the cluster of a step, or says it is about all of them.
func (m checksModel) where(ref steps.Ref) string {
	if ref.Cluster == "" {
		return "across clusters"
	}
	return ref.Cluster
}

// titleOf returns a check's title by ID.
func (m checksModel) titleOf(id string) string {
	for _, r := range m.rows {
		if r.id == id {
			return r.title
		}
	}
	return id
}
