package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// serverAddressCheck is the cross-cluster check that refuses loopback API
// server addresses unless they are accepted with the Loopback key.
const serverAddressCheck = "mesh/api-server-address"

// checkRow is one check of the plan: a row of the grid. A per-cluster check
// has a cell per cluster; a cross-cluster check has one, in the mesh column.
type checkRow struct {
	id, title string
	severity  steps.Severity
	mesh      bool
}

// checksModel is step 4: the prerequisite checks of the mesh being
// described, run live on the engine (action.Setup's CheckPlan, the plan
// `meshwiz setup` runs first). A row per check, a column per cluster, marks filling
// in as events arrive; the cell under the cursor is explained below the
// grid. Error and fatal failures block going on until a re-run passes;
// warnings must be accepted first.
type checksModel struct {
	common
	spinner spinner.Model
	marks   checkMarks
	cancel  context.CancelFunc // cancels the current run

	id          runID     // the current run; zero before the first
	fingerprint string    // of the config, the clients and allowLoopback the run checks
	running     bool      // the current run has not ended
	started     time.Time // when the current run started
	planErr     error     // the plan could not be built or run

	clusters []string // the clusters' contexts, a column each, in config order
	rows     []checkRow
	cells    map[steps.Ref]steps.Event // the last event of each step; replaced, never written in place
	done     *steps.Summary            // the current run's outcome; nil while it runs
	// accepted holds the message of every acknowledged warning: an
	// acknowledgement lasts over re-runs while the warning stays the same.
	accepted map[steps.Ref]string

	cursor  int  // the row under the cursor
	col     int  // the cursor's cluster column; -1 follows the row's worst cell
	moved   bool // the user moved the cursor since the run started: stop following failures
	offset  int  // the first row drawn
	details bool // the detail pane shows everything, the overlap matrix included

	width, height int // height 0: unknown, draw everything
}

func newChecksModel(c common) checksModel {
	return checksModel{
		common:  c,
		spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.styles.Spinner)),
		marks:   newCheckMarks(c.styles),
		cancel:  func() {},
		col:     -1,
		width:   defaultWidth,
	}
}

// enter implements screenModel: forward from the topology, or when the
// config, the clients or the loopback choice changed since the last run, it
// runs the checks; coming back to an unchanged mesh keeps the results.
func (m checksModel) enter(forward bool) (screenModel, tea.Cmd) {
	if !forward && m.id != (runID{}) && m.fingerprintOf() == m.fingerprint {
		if m.running {
			return m, m.spinner.Tick // its ticks stopped while the screen was not shown
		}
		return m, nil
	}
	return m.start()
}

// fingerprintOf identifies what a run checks: the mesh config as YAML, the
// client bundles and whether loopback servers are accepted.
func (m checksModel) fingerprintOf() string {
	var b strings.Builder
	if m.s.cfg != nil {
		y, err := m.s.cfg.Marshal()
		if err != nil {
			fmt.Fprintf(&b, "unmarshalable config: %v\n", err)
		}
		b.Write(y)
		for _, c := range m.s.cfg.Clusters {
			fmt.Fprintf(&b, "client %s=%p\n", c.Context, m.s.clients[c.Context])
		}
	}
	fmt.Fprintf(&b, "allowLoopback=%t\n", m.s.allowLoopback)
	return b.String()
}

// start cancels the current run, if any, and starts a new one. The plan is
// built here (no I/O); the engine starts when the returned Cmd runs.
func (m checksModel) start() (checksModel, tea.Cmd) {
	m.cancel()
	m.cancel = func() {}
	m.id = m.s.newRun(screenChecks)
	m.fingerprint = m.fingerprintOf()
	m.running, m.planErr, m.done = false, nil, nil
	m.cells = map[steps.Ref]steps.Event{}
	m.moved = false
	m.clusters, m.rows = nil, nil
	cfg := m.s.cfg
	if cfg == nil || len(cfg.Clusters) == 0 {
		m.planErr = errors.New("no clusters are chosen: go back and choose two or more")
		return m.scroll(), nil
	}
	for _, c := range cfg.Clusters {
		m.clusters = append(m.clusters, c.Context)
	}
	plan, err := m.s.setup(cfg).CheckPlan()
	if err != nil {
		m.planErr = err
		return m.scroll(), nil
	}
	m.rows = rowsOf(plan)
	ctx, cancel := context.WithCancel(m.s.ctx) // the wizard quitting cancels it too
	m.cancel = cancel
	m.running, m.started = true, time.Now()
	s, id := m.s, m.id
	run := func() tea.Msg { return startRun(s, ctx, id, plan)() }
	return m.scroll(), tea.Batch(run, m.spinner.Tick)
}

// rowsOf lists the plan's checks once each, in plan order: the per-cluster
// checks, then the cross-cluster ones.
func rowsOf(plan []steps.Step) []checkRow {
	var per, mesh []checkRow
	seen := map[string]bool{}
	for _, st := range plan {
		if seen[st.ID] {
			continue
		}
		seen[st.ID] = true
		r := checkRow{id: st.ID, title: st.Title, severity: st.Severity, mesh: st.Cluster == ""}
		if r.mesh {
			mesh = append(mesh, r)
		} else {
			per = append(per, r)
		}
	}
	return append(per, mesh...)
}

// SetSize implements screenModel.
func (m checksModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	return m.scroll()
}

// Keys implements screenModel. The cursor keys share one help entry, and
// enter shows only when it continues (pressed otherwise, it says why not),
// so that the help fits 80 columns in every state.
func (m checksModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	if m.id != (runID{}) {
		enable(&k.Rerun)
	}
	if len(m.rows) > 0 {
		keys := slices.Concat(m.keys.Up.Keys(), m.keys.Down.Keys())
		help := "↑↓"
		if len(m.clusters) > 1 {
			keys = slices.Concat(keys, m.keys.Left.Keys(), m.keys.Right.Keys())
			help = "↑↓←→"
		}
		k.Up = key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, "move"))
		enable(&k.Details)
		if m.details {
			k.Details.SetHelp("d", "less")
		}
	}
	// Warnings are accepted to go on: once nothing blocks, and not in the
	// diagnostics, which end here.
	k.Ack.SetEnabled(m.s.flow != flowDiagnostics && m.done != nil && len(m.blocking()) == 0 && len(m.unaccepted()) > 0)
	k.Loopback.SetEnabled(m.offerLoopback())
	k.Loopback.SetHelp("L", "allow loopback servers")
	k.Next.SetEnabled(m.s.flow != flowDiagnostics && m.ready())
	return k
}

// Update implements screenModel. The messages of its runs arrive whether or
// not the screen is shown (ownedMsg), so a run keeps going while the user is
// elsewhere.
func (m checksModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case stepEventMsg:
		if msg.id != m.id {
			return m, msg.next // a replaced run: drain it so that its goroutine ends
		}
		m.cells = maps.Clone(m.cells)
		m.cells[msg.event.Step] = msg.event
		return m.follow().scroll(), msg.next
	case runDoneMsg:
		if msg.id != m.id {
			return m, nil
		}
		return m.finished(msg), nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = spin(m.spinner, msg, m.running)
		return m, cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// finished records the outcome of the current run: in the grid and, when
// the plan ran, in the session.
func (m checksModel) finished(msg runDoneMsg) checksModel {
	m.running = false
	m.cancel()
	m.cancel = func() {}
	if msg.err != nil {
		m.planErr = msg.err
		return m.scroll()
	}
	sum := msg.summary
	m.done = &sum
	m.cells = maps.Clone(m.cells)
	for _, e := range sum.Steps {
		m.cells[e.Step] = e
	}
	stored := sum
	m.s.checks = &stored
	// An acknowledgement holds only while the warning says the same.
	m.accepted = maps.Clone(m.accepted)
	for ref, message := range m.accepted {
		if e, ok := m.cells[ref]; !ok || e.Status != steps.Warned || e.Message != message {
			delete(m.accepted, ref)
			delete(m.s.acked, ref)
		}
	}
	return m.follow().scroll()
}

// key handles the screen's keys; esc, q and ctrl+c are the root's.
func (m checksModel) key(msg tea.KeyPressMsg) (screenModel, tea.Cmd) {
	k := m.Keys()
	switch {
	case key.Matches(msg, k.Up):
		return m.move(msg), nil
	case key.Matches(msg, k.Rerun):
		return m.start()
	case key.Matches(msg, k.Ack):
		return m.accept()
	case key.Matches(msg, k.Loopback):
		m.s.allowLoopback, m.s.loopbackByKey = true, true
		m, cmd := m.start()
		return m, tea.Batch(cmd, status("Loopback API server addresses accepted (clusters on this machine only): the checks run again and report them as a warning."))
	case key.Matches(msg, k.Details):
		m.details = !m.details
		return m.scroll(), nil
	case key.Matches(msg, m.keys.Next): // whether or not it is offered: say why not
		return m, m.proceed()
	}
	return m, nil
}

// move moves the cursor by one row or one cluster column.
func (m checksModel) move(msg tea.KeyPressMsg) checksModel {
	if len(m.rows) == 0 {
		return m
	}
	m.moved = true
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, m.keys.Down):
		m.cursor = min(m.cursor+1, len(m.rows)-1)
	case key.Matches(msg, m.keys.Left), key.Matches(msg, m.keys.Right):
		if r := m.rows[m.cursor]; m.col < 0 && !r.mesh {
			m.col = m.worstColumn(r)
		}
		if key.Matches(msg, m.keys.Left) {
			m.col = max(m.col-1, 0)
		} else {
			m.col = min(m.col+1, len(m.clusters)-1)
		}
	}
	return m.scroll()
}

// accept acknowledges every warning of the finished run.
func (m checksModel) accept() (screenModel, tea.Cmd) {
	warnings := m.unaccepted()
	m.accepted = maps.Clone(m.accepted)
	if m.accepted == nil {
		m.accepted = map[steps.Ref]string{}
	}
	for _, e := range warnings {
		m.accepted[e.Step] = e.Message
		m.s.acked[e.Step] = true
	}
	msg := "Accepted " + plural(len(warnings), "warning") + "."
	if m.s.flow != flowDiagnostics {
		msg += " Press enter to continue."
	}
	return m, status(msg)
}

// proceed moves on, or says in the status line what stands in the way.
func (m checksModel) proceed() tea.Cmd {
	switch {
	case m.s.flow == flowDiagnostics:
		return status("The diagnostics are done: esc to change the topology, q to quit.")
	case m.planErr != nil:
		return status("The checks cannot run: press esc to change the topology.")
	case m.running:
		return status("The checks are still running: wait for them to finish.")
	}
	if failed := m.blocking(); len(failed) > 0 {
		first := m.where(failed[0].Step) + ": " + failed[0].Title
		if len(failed) == 1 {
			return status("A failed check blocks the install (" + first + "): fix it, then press r to re-run.")
		}
		return status(fmt.Sprintf("%d failed checks block the install (first: %s): fix them, then press r to re-run.", len(failed), first))
	}
	if w := m.unaccepted(); len(w) > 0 {
		return status(fmt.Sprintf("Read the %s (!), then press a to accept and continue.", plural(len(w), "warning")))
	}
	return next
}
