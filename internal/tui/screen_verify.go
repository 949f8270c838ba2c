package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/verify"
)

// verifyModel is the summary's verify: the plan `meshwiz verify` runs (the
// same steps, the same facts), run on the wizard's clusters, its events
// rendered live, the cluster × cluster matrix last. istiod is reached as the
// CLI reaches it: at the sandbox's local processes when the kubeconfig is a
// sandbox's (its istiod.json), else by a port-forward through the API server.
type verifyModel struct {
	common
	id      runID        // the current run; zero before the first
	sample  bool         // the run deploys (and removes) the helloworld sample
	source  string       // how istiod is reached, once known
	plan    []steps.Step // nil until the way to istiod is known
	events  map[steps.Ref]steps.Event
	running bool
	cancel  context.CancelFunc
	done    *steps.Summary
	err     error // the way to istiod could not be prepared
}

// verifyReachMsg says how istiod will be reached for run id.
type verifyReachMsg struct {
	id      runID
	reacher verify.Reacher
	source  string
	err     error
}

// Bindings of the summary for verify.
var (
	verifyKey       = key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "verify"))
	verifyAgainKey  = key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "verify again"))
	verifySampleKey = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "verify with the helloworld sample"))
	verifyCloseKey  = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "summary"))
)

// start begins a run: it drops the last one (cancelling it) and returns the
// Cmd that finds the way to istiod (reading the sandbox's list is I/O).
func (v verifyModel) start(sample bool) (verifyModel, tea.Cmd) {
	v = v.stop()
	v.id = v.s.newRun(screenSummary)
	v.sample, v.running = sample, true
	v.source, v.plan, v.events, v.done, v.err = "", nil, map[steps.Ref]steps.Event{}, nil, nil
	id, a := v.id, v.action()
	return v, func() tea.Msg {
		r, source, err := a.Reach()
		return verifyReachMsg{id: id, reacher: r, source: source, err: err}
	}
}

// stop cancels a run still going; its events are ignored from now on.
func (v verifyModel) stop() verifyModel {
	if v.cancel != nil {
		v.cancel()
		v.cancel = nil
	}
	v.running = false
	return v
}

// action is verify on the wizard's clusters.
func (v verifyModel) action() *action.Verify {
	return &action.Verify{Clients: v.clients(), Config: v.s.cfg, Sample: v.sample, Kubeconfigs: v.s.loader.Files()}
}

// clients are the wizard's clusters in the mesh config's order.
func (v verifyModel) clients() []*kube.Client {
	var out []*kube.Client
	if v.s.cfg == nil {
		return nil
	}
	for _, cl := range v.s.cfg.Clusters {
		if c := v.s.clients[cl.Context]; c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Update handles the run's messages (any other is ignored).
func (v verifyModel) Update(msg tea.Msg) (verifyModel, tea.Cmd) {
	id := v.id
	switch msg := msg.(type) {
	case verifyReachMsg:
		if msg.id != id || !v.running {
			return v, nil
		}
		if msg.err != nil {
			v.err, v.running = msg.err, false
			return v, nil
		}
		v.source = msg.source
		a := v.action()
		a.Reacher = msg.reacher
		v.plan = a.Plan()
		ctx, cancel := context.WithCancel(v.s.ctx)
		v.cancel = cancel
		s, plan := v.s, v.plan
		return v, func() tea.Msg { return startRun(s, ctx, id, plan)() }
	case stepEventMsg:
		if msg.id != id {
			return v, msg.next // a replaced run: drain it so that its goroutine ends
		}
		v.events = withEvent(v.events, msg.event)
		return v, msg.next
	case runDoneMsg:
		if msg.id != id {
			return v, nil
		}
		v = v.stop()
		sum := msg.summary
		v.done, v.err = &sum, msg.err
	}
	return v, nil
}

// lines renders the run: how istiod is reached, each step as it stands
// (grouped by cluster, as the CLI's report), the matrix, and the outcome.
func (v verifyModel) lines(width int) []string {
	st := v.styles
	var out []string
	add := func(prefix, text, indent string) {
		out = append(out, installWrapCommand(prefix, text, width, indent)...)
	}
	title := "Verify: what each istiod really reads and serves"
	if v.sample {
		title += " (with the helloworld sample)"
	}
	out = append(out, st.Title.Render(title))
	switch {
	case v.err != nil && v.plan == nil:
		add("", st.Fail.Render(GlyphFail)+" "+v.err.Error(), "  ")
		return out
	case v.plan == nil:
		add("", st.Subtle.Render("finding the way to istiod…"), "  ")
		return out
	}
	add("", st.Subtle.Render(v.source), "  ")
	groups := append(verifyGroups(v.clients()), "")
	for _, g := range groups {
		heading := "Cluster " + g
		if g == "" {
			heading = "Across clusters"
		}
		first := true
		for _, step := range v.plan {
			if step.Cluster != g {
				continue
			}
			if first {
				out = append(out, "", st.Title.Render(heading))
				first = false
			}
			out = append(out, v.stepLines(step, width)...)
		}
	}
	out = append(out, "")
	switch {
	case v.running:
		add("", st.Subtle.Render("asking istiod… (it may take up to a minute to sync a fresh change)"), "  ")
	case v.done != nil:
		add("", v.outcome(), "  ")
		add("", st.Subtle.Render("the same from a shell: meshwiz verify "+installContextFlags(v.s.cfg)), "  ")
	}
	return out
}

func verifyGroups(clients []*kube.Client) []string {
	var out []string
	for _, c := range clients {
		out = append(out, c.Context)
	}
	return out
}

// stepLines is one step: its glyph, title and message; the hint of a
// failure; the matrix of the mesh step.
func (v verifyModel) stepLines(step steps.Step, width int) []string {
	st := v.styles
	ref := steps.Ref{ID: step.ID, Cluster: step.Cluster}
	e, seen := v.events[ref]
	var glyph, text string
	switch {
	case !seen:
		glyph, text = st.Subtle.Render("·"), st.Subtle.Render(step.Title)
	case e.Status == steps.Running:
		glyph, text = st.Subtle.Render(GlyphRetry), step.Title+st.Subtle.Render(suffix(e.Message))
	case e.Status == steps.Passed || e.Status == steps.Noted:
		glyph, text = st.OK.Render(GlyphOK), step.Title+st.Subtle.Render(suffix(e.Message))
	case e.Status == steps.Warned:
		glyph, text = st.Warn.Render(GlyphWarn), step.Title+suffix(e.Message)
	case e.Status == steps.Skipped:
		glyph, text = st.Subtle.Render("-"), st.Subtle.Render(step.Title+suffix(e.Message))
	default:
		glyph, text = st.Fail.Render(GlyphFail), step.Title+suffix(e.Message)
	}
	out := installWrapCommand("  "+glyph+" ", text, width, "    ")
	if seen && (e.Status == steps.Failed || e.Status == steps.Warned) && e.Hint != "" {
		out = append(out, installWrapCommand("    ", st.Subtle.Render("hint: ")+e.Hint, width, "      ")...)
	}
	if mx, ok := e.Details.(*verify.Matrix); ok && mx != nil {
		for _, l := range mx.Lines() {
			out = append(out, "      "+l)
		}
	}
	return out
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return " — " + msg
}

// outcome counts the run's steps as the CLI's report does.
func (v verifyModel) outcome() string {
	st := v.styles
	counts := map[steps.Status]int{}
	for _, e := range v.done.Steps {
		counts[e.Status]++
	}
	var parts []string
	for _, s := range []struct {
		status steps.Status
		word   string
	}{{steps.Passed, "passed"}, {steps.Warned, "warned"}, {steps.Failed, "failed"}, {steps.Skipped, "skipped"}} {
		if n := counts[s.status]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s.word))
		}
	}
	text := strings.Join(parts, ", ")
	if v.err != nil {
		return st.Fail.Render(GlyphFail) + " " + v.err.Error()
	}
	if counts[steps.Failed] > 0 {
		return st.Fail.Render(GlyphFail) + " not proven: " + text
	}
	return st.OK.Render(GlyphOK) + " proven by istiod: " + text
}
