package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// The engine reaches the UI through a channel: startRun runs a plan on the
// steps engine in a goroutine whose observer sends every event into the
// channel, and a listen Cmd turns the next one into a message. The screen
// that started the run re-arms listen on every stepEventMsg of its run; the
// closed channel's last message is runDoneMsg.

// stepEventMsg is one engine event of run id.
type stepEventMsg struct {
	id    runID
	event steps.Event
	next  tea.Cmd // listens for the run's next message
}

// runDoneMsg ends run id with its summary (err: the plan was invalid).
type runDoneMsg struct {
	id      runID
	summary steps.Summary
	err     error
}

// runID names one run of work a screen started (an engine run, and what
// prepares it): the screen that owns it, to which the root delivers its
// messages whether or not it is shown, and a number unique in the wizard,
// which tells the run from one it replaced (the checks re-run). The zero
// runID is no run.
type runID struct {
	owner screen
	n     int
}

// newRun returns a new run ID owned by screen owner.
func (s *session) newRun(owner screen) runID {
	s.runs++
	return runID{owner: owner, n: s.runs}
}

// startRun returns a Cmd that starts plan and delivers its first message.
// Cancelling ctx cancels the run; its remaining events are still delivered
// (cancelled steps end as failed or skipped) and runDoneMsg comes last.
// When the wizard quits (s.ctx is done) nobody listens any more: the
// observer stops sending, so the goroutine ends with the run.
func startRun(s *session, ctx context.Context, id runID, plan []steps.Step) tea.Cmd {
	ch := make(chan tea.Msg, 64)
	send := func(msg tea.Msg) {
		select {
		case ch <- msg:
		case <-s.ctx.Done():
		}
	}
	go func() {
		defer close(ch)
		sum, err := steps.Run(ctx, plan, func(e steps.Event) { send(stepEventMsg{id: id, event: e}) })
		send(runDoneMsg{id: id, summary: sum, err: err})
	}()
	return listen(ch)
}

// listen waits for the run's next message.
func listen(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		if e, isEvent := msg.(stepEventMsg); isEvent {
			e.next = listen(ch)
			return e
		}
		return msg
	}
}

// withEvent returns a copy of events with e recorded as its step's latest
// (copy on write: models are values, and an older copy keeps its map).
func withEvent(events map[steps.Ref]steps.Event, e steps.Event) map[steps.Ref]steps.Event {
	out := make(map[steps.Ref]steps.Event, len(events)+1)
	for r, old := range events {
		out[r] = old
	}
	out[e.Step] = e
	return out
}
