package tui

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// installPhase is where the install screen is.
type installPhase int

const (
	installIdle       installPhase = iota // not started
	installPreparing                      // the certificates are being generated or loaded
	installRunning                        // the plan runs
	installCancelling                     // cancelled: waiting for the running steps to stop
	installDone                           // the run ended (the summary says whether steps failed)
	installCancelled                      // the user cancelled: the run (if any) has ended
	installNotStarted                     // the certificates or the plan failed: nothing was applied
)

// installCertsMsg carries the prepared certificates of install run id.
type installCertsMsg struct {
	id      runID
	certs   map[string]*certs.Intermediate
	message string // what was done about the CA, with the root's fingerprint
	err     error
}

// installModel runs the plan and shows it live: one lane per cluster, the
// running step with a spinner and its progress detail, finished steps with
// their mark and duration, an overall progress bar. A failure stops its
// lane and shows the error and hint; r re-runs the whole plan (it is
// idempotent). ctrl+c asks, then cancels the run's context.
type installModel struct {
	common
	spinner spinner.Model
	frame   string // the spinner's frame, rendered once per View
	glyphs  installGlyphs
	paint   installPaints
	// The screen's own keys: cancelling the run and the answers.
	cancelKey, yes, no key.Binding
	pageUp, pageDown   key.Binding
	width, height      int
	phase              installPhase
	id                 runID              // the current run: r starts a new one
	cfg                *mesh.Config       // the snapshot being installed
	ctx                context.Context    // the current run's; nil before the first run
	cancel             context.CancelFunc // cancels it
	askCancel          bool               // "Cancel the install? y/n"
	preparing          bool               // the certificates' Cmd of id has not reported yet
	details            bool               // d: every step in full, scrollable
	offset             int                // first line of the details drawn
	lanes              []installLane
	where              map[steps.Ref][2]int
	total, finished    int
	started, now       time.Time // first event; latest tick or event
	caMessage          string
	err                error // why nothing was applied (installNotStarted)
	caErr              bool  // err is the user's CA
	summary            *steps.Summary
}

// installGlyphs are the lane marks, styled once.
type installGlyphs struct {
	ok, warn, fail, skip, note, pending string
}

func newInstallModel(c common) installModel {
	st := c.styles
	return installModel{
		common:  c,
		spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Spinner)),
		glyphs: installGlyphs{
			ok:      st.OK.Render(GlyphOK),
			warn:    st.Warn.Render(GlyphWarn),
			fail:    st.Fail.Render(GlyphFail),
			skip:    st.Subtle.Render(steps.Skipped.Glyph()),
			note:    st.Subtle.Render(steps.Noted.Glyph()),
			pending: st.Subtle.Render("·"),
		},
		paint: installPaints{title: newInstallPaint(st.Title), subtle: newInstallPaint(st.Subtle),
			fail: newInstallPaint(st.Fail), warn: newInstallPaint(st.Warn), ok: newInstallPaint(st.OK)},
		cancelKey: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel the install")),
		yes:       key.NewBinding(key.WithKeys("y", "ctrl+c"), key.WithHelp("y", "cancel it")),
		no:        key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "keep going")),
		pageUp:    key.NewBinding(key.WithKeys("pgup", "b")),
		pageDown:  key.NewBinding(key.WithKeys("pgdown", "space", "f")),
		width:     defaultWidth,
		cancel:    func() {},
	}
}

// active reports whether work is under way that the user must not walk
// away from.
func (m installModel) active() bool {
	return m.phase == installPreparing || m.phase == installRunning || m.phase == installCancelling || m.preparing
}

// failed reports whether the last run ended with failed steps.
func (m installModel) failed() bool {
	return m.phase == installDone && m.summary != nil && m.summary.Failed()
}

// enter starts the install when coming from the review; coming back from
// the summary shows the last run as it ended.
func (m installModel) enter(forward bool) (screenModel, tea.Cmd) {
	if m.active() {
		return m, m.spinner.Tick // its ticks stopped while the screen was not shown
	}
	if !forward {
		return m, nil
	}
	return m.start()
}

// start prepares the certificates in a Cmd (generating 4096-bit keys takes
// seconds); installCertsMsg then starts the plan. The config is
// snapshotted: the run installs what was reviewed.
func (m installModel) start() (installModel, tea.Cmd) {
	m.cancel()
	m.id = m.s.newRun(screenInstall)
	m.phase, m.askCancel, m.details, m.offset, m.preparing = installPreparing, false, false, 0, true
	m.err, m.caErr, m.summary, m.caMessage = nil, false, nil, ""
	m.started, m.now, m.finished = time.Time{}, time.Time{}, 0
	m.cfg = installSnapshot(m.s.cfg)
	a := m.setup()
	preview, err := a.Preview()
	if err != nil {
		m.phase, m.err = installNotStarted, err
		return m, nil
	}
	m.lanes, m.where = installLanes(m.cfg, preview)
	m.total = len(preview)
	id := m.id
	prepare := func() tea.Msg {
		c, msg, err := a.PrepareCerts()
		return installCertsMsg{id: id, certs: c, message: msg, err: err}
	}
	return m, tea.Batch(prepare, m.spinner.Tick)
}

// run starts the plan with the prepared certificates.
func (m installModel) run(msg installCertsMsg) (installModel, tea.Cmd) {
	if msg.err != nil {
		m.phase, m.err = installNotStarted, msg.err
		var caErr *install.CAError
		m.caErr = errors.As(msg.err, &caErr)
		return m, nil
	}
	m.caMessage = msg.message
	m.s.caMessage = msg.message
	plan, err := m.setup().Plan(msg.certs)
	if err != nil {
		m.phase, m.err = installNotStarted, err
		return m, nil
	}
	m.lanes, m.where = installLanes(m.cfg, plan)
	m.total = len(plan)
	m.ctx, m.cancel = context.WithCancel(m.s.ctx)
	m.phase = installRunning
	return m, startRun(m.s, m.ctx, m.id, plan)
}

// setup is the setup action of the snapshot; the checks ran on the checks
// screen.
func (m installModel) setup() *action.Setup {
	a := m.s.setup(m.cfg)
	a.SkipChecks = true
	return a
}

// SetSize implements screenModel.
func (m installModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	return m.clampDetails()
}

// Keys implements screenModel. While work is under way esc, q and ctrl+c
// are the screen's: ctrl+c asks before it cancels, and nothing leaves the
// screen until the run has ended.
func (m installModel) Keys() KeyMap {
	k := m.keys.none()
	if m.askCancel {
		k.Interrupt.SetEnabled(false)
		k.Toggle, k.Next = m.yes, m.no
		return k
	}
	if m.details {
		scrollable := m.maxDetailOffset() > 0
		installScrollKeys(&k, scrollable)
	}
	enable(&k.Details)
	if m.details {
		k.Details.SetHelp("d", "lanes")
	} else {
		k.Details.SetHelp("d", "every step")
	}
	switch m.phase {
	case installPreparing, installRunning:
		k.Interrupt.SetEnabled(false)
		k.Toggle = m.cancelKey
		return k
	case installCancelling:
		return k // ctrl+c again aborts the wizard: the run is cancelled already
	}
	if m.preparing {
		return k // cancelled while the certificates are written: they finish first
	}
	enable(&k.Back, &k.Quit)
	if m.phase == installNotStarted || m.phase == installCancelled || m.failed() {
		enable(&k.Retry)
		k.Retry.SetHelp("r", "run setup again")
	}
	if m.phase == installDone || m.phase == installCancelled {
		enable(&k.Next)
		k.Next.SetHelp("enter", "summary")
	}
	return k
}

// Update implements screenModel.
func (m installModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.key(msg)
	case installCertsMsg:
		if msg.id != m.id {
			return m, nil // an earlier run's
		}
		m.preparing = false
		if m.phase != installPreparing {
			return m, nil // cancelled while preparing: nothing is applied
		}
		return m.run(msg)
	case stepEventMsg:
		if msg.id != m.id {
			return m, msg.next // a replaced run: drain it so that its goroutine ends
		}
		return m.apply(msg.event), msg.next
	case runDoneMsg:
		if msg.id != m.id {
			return m, nil
		}
		return m.done(msg), nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		if m.spinner, cmd = spin(m.spinner, msg, m.active()); cmd != nil && msg.Time.After(m.now) {
			m.now = msg.Time
		}
		return m, cmd
	}
	return m, nil
}

// done records the run's outcome for the summary screen.
func (m installModel) done(msg runDoneMsg) installModel {
	m.cancel()
	if msg.err != nil {
		m.phase, m.err = installNotStarted, msg.err
		return m
	}
	for _, e := range msg.summary.Steps { // the final events, should one have been missed
		if e.Status.Final() {
			m = m.apply(e)
		}
	}
	sum := msg.summary
	m.summary = &sum
	m.s.installed = &sum
	if m.phase == installCancelling || m.s.ctx.Err() != nil {
		m.phase = installCancelled
	} else {
		m.phase = installDone
	}
	m.askCancel = false
	return m.clampDetails()
}

// key handles the screen's keys.
func (m installModel) key(msg tea.KeyPressMsg) (screenModel, tea.Cmd) {
	if m.askCancel {
		m.askCancel = false
		if !key.Matches(msg, m.yes) {
			return m, nil
		}
		switch m.phase { // the screen says what happens now
		case installPreparing:
			m.phase = installCancelled // the certificates are finished, then dropped
		case installRunning:
			m.cancel()
			m.phase = installCancelling
		}
		return m, nil
	}
	k := m.Keys()
	switch {
	case key.Matches(msg, m.cancelKey) && (m.phase == installPreparing || m.phase == installRunning):
		m.askCancel = true
	case key.Matches(msg, k.Details):
		m.details = !m.details
		m.offset = 0
	case key.Matches(msg, m.keys.Up):
		m.offset--
	case key.Matches(msg, m.keys.Down):
		m.offset++
	case m.details && key.Matches(msg, m.pageUp):
		m.offset -= max(m.detailHeight()-1, 1)
	case m.details && key.Matches(msg, m.pageDown):
		m.offset += max(m.detailHeight()-1, 1)
	case key.Matches(msg, k.Retry):
		m, cmd := m.start()
		return m, tea.Batch(cmd, status("Running setup again: finished steps report up to date quickly."))
	case key.Matches(msg, k.Next):
		return m, next
	case m.active() && msg.String() == "q":
		return m, status("The install is running: ctrl+c cancels it first.")
	}
	return m.clampDetails(), nil
}

// appliedCount is the number of steps that changed or confirmed something.
func (m installModel) appliedCount() int {
	n := 0
	for _, l := range m.lanes {
		for _, s := range l.steps {
			if s.status == steps.Passed || s.status == steps.Warned || s.status == steps.Noted {
				n++
			}
		}
	}
	return n
}

// elapsed is the time since the run's first event.
func (m installModel) elapsed() time.Duration {
	if m.started.IsZero() || m.now.Before(m.started) {
		return 0
	}
	if m.summary != nil && m.summary.Duration > 0 {
		return m.summary.Duration
	}
	return m.now.Sub(m.started)
}
