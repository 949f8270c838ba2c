package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/teardown"
)

// teardownPhase is where the teardown screen is.
type teardownPhase int

const (
	tdDiscovering teardownPhase = iota // reading every cluster
	tdPreview                          // what will be removed, kept, broken
	tdConfirm                          // "Remove …? y/n"
	tdRunning                          // the plan runs
	tdVerifying                        // reading every cluster again
	tdDone                             // what is left where
)

// teardownFoundMsg carries a discovery: before (after == false) or after
// the run.
type teardownFoundMsg struct {
	id    runID
	after bool
	inv   *teardown.Inventory
	err   error
}

// teardownModel is the teardown flow after the clusters are chosen: it
// discovers what the mesh left in each, previews what will break, asks,
// runs the teardown plan with live progress per cluster, then discovers
// again and says what is left where. It drives the same engine as
// `meshwiz teardown`.
type teardownModel struct {
	common
	spinner spinner.Model

	phase   teardownPhase
	id      runID // the current discovery or run; each start takes a new one
	purge   bool
	inv     *teardown.Inventory // before the run
	lines   []string            // inv.Lines(), rendered once per discovery, not per frame
	after   *teardown.Inventory // after the run
	err     error
	plan    []steps.Step
	events  map[steps.Ref]steps.Event // the latest event of every step
	summary *steps.Summary
	started time.Time
	cancel  context.CancelFunc
	asking  bool // ctrl+c was pressed while running: "stop? y/n"
	offset  int  // first line of the preview drawn
	width   int
	height  int
}

func newTeardownModel(c common) teardownModel {
	return teardownModel{common: c, width: defaultWidth, cancel: func() {},
		spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.styles.Spinner))}
}

// enter discovers the chosen clusters each time the screen is entered from
// the clusters screen.
func (m teardownModel) enter(forward bool) (screenModel, tea.Cmd) {
	if !forward && m.phase != tdDiscovering {
		return m, m.spinner.Tick // its ticks stopped while the screen was not shown; idle phases drop it
	}
	return m.discover(false)
}

// discover starts a discovery in a Cmd.
func (m teardownModel) discover(after bool) (teardownModel, tea.Cmd) {
	m.id = m.s.newRun(screenTeardown)
	if after {
		m.phase = tdVerifying
	} else {
		m.phase, m.inv, m.after, m.summary, m.events, m.offset = tdDiscovering, nil, nil, nil, nil, 0
	}
	id, ctx, a := m.id, m.s.ctx, m.action()
	return m, tea.Batch(m.spinner.Tick, func() tea.Msg {
		inv, err := a.Discover(ctx)
		return teardownFoundMsg{id: id, after: after, inv: inv, err: err}
	})
}

// action is the teardown of the chosen clusters, in kubeconfig order.
func (m teardownModel) action() *action.Teardown {
	a := &action.Teardown{PurgeCRDs: m.purge}
	for _, c := range m.s.contexts {
		if cl := m.s.clients[c.Name]; cl != nil {
			a.Clients = append(a.Clients, cl)
		}
	}
	return a
}

func (m teardownModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	return m
}

func (m teardownModel) Keys() KeyMap {
	k := m.keys.none()
	switch m.phase {
	case tdDiscovering, tdVerifying:
		enable(&k.Back, &k.Quit)
	case tdPreview:
		enable(&k.Up, &k.Back, &k.Quit, &k.Refresh, &k.Toggle) // Down: see key
		k.Refresh.SetHelp("r", "rescan")
		k.Toggle.SetHelp("space", "purge CRDs: "+onOff(m.purge))
		if !m.inv.NothingToDo() {
			enable(&k.Next)
			k.Next.SetHelp("enter", "remove")
		}
	case tdConfirm:
		// Ack stands for "no" here: the root would take Back as navigation.
		k.Next = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, remove"))
		k.Ack = key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no"))
	case tdRunning:
		k.Interrupt.SetEnabled(false) // ctrl+c asks first
		if m.asking {
			k.Next = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "stop the teardown"))
			k.Ack = key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "go on"))
		}
	case tdDone:
		enable(&k.Up, &k.Quit, &k.Back)
		if m.after != nil && m.summary != nil && m.after.Unfinished(*m.summary) != nil {
			enable(&k.Retry)
			k.Retry.SetHelp("r", "run teardown again")
		}
	}
	if k.Up.Enabled() { // one entry for both arrows keeps q visible at 80 columns
		k.Up.SetHelp("↑/↓", "scroll")
	}
	return k
}

func (m teardownModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case teardownFoundMsg:
		return m.found(msg)
	case stepEventMsg:
		if msg.id != m.id {
			return m, msg.next // a replaced run: drain it so that its goroutine ends
		}
		m.events = withEvent(m.events, msg.event)
		return m, msg.next
	case runDoneMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.cancel()
		m.asking = false
		sum := msg.summary
		m.summary, m.err = &sum, msg.err
		return m.discover(true)
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = spin(m.spinner, msg, m.phase != tdPreview && m.phase != tdDone)
		return m, cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// found shows a discovery's result.
func (m teardownModel) found(msg teardownFoundMsg) (screenModel, tea.Cmd) {
	if msg.id != m.id {
		return m, nil
	}
	if msg.err != nil {
		m.err = msg.err
		m.phase = tdDone
		return m, nil
	}
	if msg.after {
		m.after, m.phase, m.offset = msg.inv, tdDone, 0
		return m, nil
	}
	m.inv, m.lines, m.phase, m.err = msg.inv, msg.inv.Lines(), tdPreview, nil
	return m, nil
}

func (m teardownModel) key(msg tea.KeyPressMsg) (screenModel, tea.Cmd) {
	k := m.Keys()
	switch {
	case key.Matches(msg, k.Up):
		m.offset = max(m.offset-1, 0)
	case k.Up.Enabled() && key.Matches(msg, m.keys.Down):
		m.offset++
	case m.phase == tdPreview && key.Matches(msg, k.Toggle):
		m.purge = !m.purge
		return m.discover(false)
	case m.phase == tdPreview && key.Matches(msg, k.Refresh):
		return m.discover(false)
	case m.phase == tdPreview && key.Matches(msg, k.Next):
		m.phase = tdConfirm
	case m.phase == tdConfirm && key.Matches(msg, k.Next):
		return m.run()
	case m.phase == tdConfirm && key.Matches(msg, k.Ack):
		m.phase = tdPreview
	case m.phase == tdRunning && !m.asking && msg.String() == "ctrl+c":
		m.asking = true
	case m.phase == tdRunning && m.asking && key.Matches(msg, k.Next):
		m.asking = false
		m.cancel()
		return m, status("Stopping: the running steps end, nothing more starts. Run teardown again to finish.")
	case m.phase == tdRunning && m.asking && key.Matches(msg, k.Ack):
		m.asking = false
	case m.phase == tdDone && key.Matches(msg, k.Retry):
		return m.discover(false)
	}
	return m, nil
}

// run starts the teardown plan.
func (m teardownModel) run() (screenModel, tea.Cmd) {
	plan, err := m.action().Plan(m.inv)
	if err != nil {
		m.err, m.phase = err, tdDone
		return m, nil
	}
	m.id = m.s.newRun(screenTeardown)
	m.plan, m.events, m.phase, m.started = plan, map[steps.Ref]steps.Event{}, tdRunning, time.Now()
	ctx, cancel := context.WithCancel(m.s.ctx)
	m.cancel = cancel
	return m, tea.Batch(m.spinner.Tick, startRun(m.s, ctx, m.id, plan))
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
