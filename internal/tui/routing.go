package tui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// Message routing. Key presses, pastes and every message nobody owns go to
// the active screen only. The answers to work a screen started go to that
// screen, shown or not, so that a run, a probe or a listing finishes while
// the user looks elsewhere: they implement ownedMsg. Screens still drop an
// answer to work they replaced (a re-run, a refresh) by comparing its run
// ID or request round with their current one. Spinner ticks are not owned:
// a screen re-arms its spinner when it is entered with work under way.

// spin advances sp on its own tick while its screen is busy; otherwise it
// drops the tick, which lets the spinner stop (the screen re-arms it when
// work starts or when it is entered with work under way).
func spin(sp spinner.Model, msg spinner.TickMsg, busy bool) (spinner.Model, tea.Cmd) {
	if !busy || msg.ID != sp.ID() {
		return sp, nil
	}
	return sp.Update(msg)
}

// ownedMsg is a message for the screen that started the work it answers.
type ownedMsg interface {
	ownedBy() screen
}

func (m stepEventMsg) ownedBy() screen    { return m.id.owner }
func (m runDoneMsg) ownedBy() screen      { return m.id.owner }
func (m installCertsMsg) ownedBy() screen { return m.id.owner }
func (m teardownFoundMsg) ownedBy() screen {
	return m.id.owner
}
func (m verifyReachMsg) ownedBy() screen   { return m.id.owner }
func (contextsLoadedMsg) ownedBy() screen  { return screenContexts }
func (probeResultMsg) ownedBy() screen     { return screenContexts }
func (topologyCIDRsMsg) ownedBy() screen   { return screenTopology }
func (securityCheckMsg) ownedBy() screen   { return screenSecurity }
func (injectionListedMsg) ownedBy() screen { return screenInjection }
func (reviewSavedMsg) ownedBy() screen     { return screenReview }
func (reviewConflictMsg) ownedBy() screen  { return screenReview }
func (reviewExportedMsg) ownedBy() screen  { return screenReview }
