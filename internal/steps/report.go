package steps

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Lines is implemented by step details that have a text rendering (e.g. the
// CIDR overlap matrix); the text report prints them under the step.
type Lines interface {
	Lines() []string
}

// TextReport renders a finished run for people: grouped by cluster in plan
// order, then the cross-cluster steps, with ✓ ! ✗ marks, the hint under every
// failure and warning, and a summary line.
type TextReport struct {
	// Color enables ANSI colours (leave off for non-terminals and NO_COLOR).
	Color bool
	// Verbose also prints the message of passed steps.
	Verbose bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiFaint  = "\x1b[2m"
	ansiBold   = "\x1b[1m"
)

func (r TextReport) paint(code, s string) string {
	if !r.Color {
		return s
	}
	return code + s + ansiReset
}

func (r TextReport) mark(st Status) string {
	switch st {
	case Passed:
		return r.paint(ansiGreen, st.Glyph())
	case Warned:
		return r.paint(ansiYellow, st.Glyph())
	case Failed:
		return r.paint(ansiRed, st.Glyph())
	}
	return r.paint(ansiFaint, st.Glyph())
}

// Render writes the report of sum to w.
func (r TextReport) Render(w io.Writer, sum Summary) error {
	var b strings.Builder
	var lanes []string
	byLane := map[string][]Event{}
	for _, e := range sum.Steps {
		if _, ok := byLane[e.Step.Cluster]; !ok && e.Step.Cluster != "" {
			lanes = append(lanes, e.Step.Cluster)
		}
		byLane[e.Step.Cluster] = append(byLane[e.Step.Cluster], e)
	}
	if len(byLane[""]) > 0 {
		lanes = append(lanes, "")
	}
	for i, lane := range lanes {
		if i > 0 {
			b.WriteByte('\n')
		}
		title := "Cluster " + lane
		if lane == "" {
			title = "Across clusters"
		}
		b.WriteString(r.paint(ansiBold, title) + "\n")
		for _, e := range byLane[lane] {
			r.event(&b, e)
		}
	}
	b.WriteByte('\n')
	b.WriteString(SummaryLine(sum) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r TextReport) event(b *strings.Builder, e Event) {
	line := fmt.Sprintf("  %s %s", r.mark(e.Status), e.Title)
	if e.Message != "" && (e.Status != Passed || r.Verbose) {
		line += r.paint(ansiFaint, ": ") + e.Message
	} else if e.Message != "" {
		line += r.paint(ansiFaint, " — "+e.Message)
	}
	b.WriteString(line + "\n")
	if l, ok := e.Details.(Lines); ok {
		for _, s := range l.Lines() {
			b.WriteString("      " + s + "\n")
		}
	}
	if e.Hint != "" && (e.Status == Failed || e.Status == Warned || e.Status == Noted) {
		b.WriteString("      " + r.paint(ansiFaint, "hint: ") + e.Hint + "\n")
	}
}

// SummaryLine is the one-line tally of a run.
func SummaryLine(sum Summary) string {
	parts := []string{fmt.Sprintf("%d passed", sum.Count(Passed))}
	for _, c := range []struct {
		st        Status
		one, many string
	}{{Warned, "warning", "warnings"}, {Failed, "failed", "failed"}, {Noted, "note", "notes"}, {Skipped, "skipped", "skipped"}} {
		switch n := sum.Count(c.st); {
		case n == 1:
			parts = append(parts, "1 "+c.one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, c.many))
		}
	}
	return fmt.Sprintf("%s (%s)", strings.Join(parts, ", "), sum.Duration.Round(time.Millisecond))
}

// JSONSchemaVersion is the version of the JSON report's schema; it changes
// only when a field changes meaning or disappears.
const JSONSchemaVersion = 1

// JSONResult is one step in the JSON report.
type JSONResult struct {
	ID         string   `json:"id"`
	Cluster    string   `json:"cluster,omitempty"`
	Title      string   `json:"title"`
	Severity   Severity `json:"severity"`
	Status     Status   `json:"status"`
	Reason     Reason   `json:"reason,omitempty"`
	Message    string   `json:"message,omitempty"`
	Hint       string   `json:"hint,omitempty"`
	Details    any      `json:"details,omitempty"`
	DurationMS int64    `json:"durationMs"`
}

// JSONReport is the document the JSON renderer writes.
type JSONReport struct {
	SchemaVersion int            `json:"schemaVersion"`
	Results       []JSONResult   `json:"results"`
	Summary       map[Status]int `json:"summary"`
	DurationMS    int64          `json:"durationMs"`
}

// NewJSONReport converts a summary into the JSON document.
func NewJSONReport(sum Summary) JSONReport {
	rep := JSONReport{SchemaVersion: JSONSchemaVersion, Results: make([]JSONResult, 0, len(sum.Steps)),
		Summary: map[Status]int{}, DurationMS: sum.Duration.Milliseconds()}
	for _, st := range []Status{Passed, Warned, Failed, Noted, Skipped} {
		rep.Summary[st] = sum.Count(st)
	}
	for _, e := range sum.Steps {
		rep.Results = append(rep.Results, JSONResult{ID: e.Step.ID, Cluster: e.Step.Cluster, Title: e.Title,
			Severity: e.Severity, Status: e.Status, Reason: e.Reason, Message: e.Message, Hint: e.Hint, Details: e.Details,
			DurationMS: e.Took.Milliseconds()})
	}
	return rep
}

// RenderJSON writes the JSON report of sum to w, indented.
func RenderJSON(w io.Writer, sum Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewJSONReport(sum))
}

// LineObserver prints one line per finished step, for live progress without a
// terminal UI (progress goes to stderr; the report to stdout).
func LineObserver(w io.Writer) Observer {
	return func(e Event) {
		if !e.Status.Final() {
			return
		}
		where := e.Step.Cluster
		if where == "" {
			where = "*"
		}
		fmt.Fprintf(w, "[%s] %s %s\n", where, e.Status.Glyph(), e.Title)
	}
}
