package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// installT0 is the time synthetic runs start at.
var installT0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// installAt returns a wizard on the install screen, preparing the
// certificates of run 1 (the Cmd is not run).
func installAt(t *testing.T, width, height int, edit func(*mesh.Config), contexts ...string) Model {
	t.Helper()
	m := update(t, reviewAt(t, width, height, edit, contexts...), nextMsg{})
	if m.screen != screenInstall || installScreen(m).phase != installPreparing {
		t.Fatalf("nextMsg from the review did not start the install: on %s, phase %d", screenNames[m.screen], installScreen(m).phase)
	}
	return m
}

// installStarted returns a wizard on the install screen with run 1 started
// (its certificates reported prepared). The run's Cmd is not listened to:
// tests send the engine's events themselves.
func installStarted(t *testing.T, width, height int, edit func(*mesh.Config), contexts ...string) Model {
	t.Helper()
	m := installAt(t, width, height, edit, contexts...)
	m = update(t, m, installCertsMsg{id: installScreen(m).id,
		message: `generated the mesh CA in ./certs (private keys 0600); root "meshwiz root" sha256 0123456789abcdef…`})
	if installScreen(m).phase != installRunning {
		t.Fatalf("the run did not start: phase %d, err %v", installScreen(m).phase, installScreen(m).err)
	}
	return m
}

// installScreen returns the install screen's model.
func installScreen(m Model) installModel {
	return m.screens[screenInstall].(installModel)
}

// installEv is an engine event of the screen's current run: step id of
// cluster (a context) with status st, at installT0 plus at.
func installEv(m Model, cluster, id string, st steps.Status, message string, at time.Duration) stepEventMsg {
	e := steps.Event{Step: steps.Ref{ID: id, Cluster: cluster}, Status: st, Message: message, Time: installT0.Add(at)}
	if st.Final() {
		e.Took = 1200 * time.Millisecond
	}
	return stepEventMsg{id: installScreen(m).id, event: e}
}

// installCutEv is a step skipped for reason (blocked or cancelled), as the
// runner reports it.
func installCutEv(m Model, cluster, id string, reason steps.Reason, message string, at time.Duration) stepEventMsg {
	msg := installEv(m, cluster, id, steps.Skipped, message, at)
	msg.event.Reason = reason
	return msg
}

// installFailEv is a failure with a hint.
func installFailEv(m Model, cluster, id, message, hint string) stepEventMsg {
	msg := installEv(m, cluster, id, steps.Failed, message, time.Minute)
	msg.event.Hint = hint
	msg.event.Took = 61 * time.Second
	return msg
}

// installPassLane reports the first n steps of a cluster's lane passed.
func installPassLane(t *testing.T, m Model, cluster string, n int) Model {
	t.Helper()
	for _, l := range installScreen(m).lanes {
		if l.context != cluster {
			continue
		}
		for i, s := range l.steps[:n] {
			at := time.Duration(i) * time.Second
			m = update(t, m, installEv(m, cluster, s.ref.ID, steps.Running, "", at),
				installEv(m, cluster, s.ref.ID, steps.Passed, "up to date", at+time.Second))
		}
	}
	return m
}

// installEnd ends the current run with every step's state as the screen
// has it, unfinished ones as status rest with message why and reason.
func installEnd(m Model, rest steps.Status, reason steps.Reason, why string) runDoneMsg {
	im := installScreen(m)
	sum := steps.Summary{Duration: 2*time.Minute + 13*time.Second}
	for _, l := range im.lanes {
		for _, s := range l.steps {
			st, msg, r := s.status, s.message, s.reason
			if !st.Final() {
				st, msg, r = rest, why, reason
			}
			sum.Steps = append(sum.Steps, steps.Event{Step: s.ref, Title: s.title, Label: s.label, Status: st, Message: msg, Hint: s.hint, Took: s.took, Reason: r})
		}
	}
	return runDoneMsg{id: im.id, summary: sum}
}

// installScreenFits fails when the active screen draws a line wider than
// width or more lines than the root leaves it of height. checkFits checks
// the whole frame; at widths under 80 the root's help line can overflow
// (help.Model adds an entry when not even its ellipsis fits), which is not
// the screen's doing.
func installScreenFits(t *testing.T, m Model, width, height int) {
	t.Helper()
	content := m.screens[m.screen].View()
	lines := strings.Split(content, "\n")
	if room := height - chromeLines; len(lines) > room {
		t.Errorf("%s screen has %d lines, the root leaves it %d of %d:\n%s", screenNames[m.screen], len(lines), room, height, ansi.Strip(content))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("%s screen line %d is %d cells wide, terminal has %d: %q", screenNames[m.screen], i, w, width, ansi.Strip(l))
		}
	}
}
