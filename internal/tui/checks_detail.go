package tui

// The checks screen's detail pane: the cell under the cursor explained
// (status, message, the chain of a blocked step, the overlap matrix).

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// detail explains the cell under the cursor: where and what it checks, its
// status and message, the overlap matrix, and the hint. Compact unless the
// details are on.
func (m checksModel) detail() []string {
	r, ref, ok := m.selected()
	if !ok {
		return nil
	}
	st := m.styles
	e, have := m.cells[ref]
	lines := []string{st.Subtle.Render(m.where(ref)+" · ") + st.Title.Render(r.title)}
	msgLines, hintLines := checksMsgLines, checksHint
	if m.details {
		msgLines, hintLines = math.MaxInt, math.MaxInt
		about := fmt.Sprintf("%s · severity %s", r.id, r.severity)
		if have && e.Status.Final() && e.Took > 0 {
			about += " · took " + formatTook(e.Took)
		}
		lines = append(lines, st.Subtle.Render(about))
	}
	lines = append(lines, head(wrap(m.statusText(e, have), m.width), msgLines)...)
	if !have {
		return lines
	}
	if mx, ok := e.Details.(*checks.Matrix); ok && (m.details || e.Status == steps.Failed || e.Status == steps.Warned || e.Status == steps.Noted) {
		if m.details {
			lines = append(lines, st.Subtle.Render(matrixCaption(r.id)))
		}
		lines = append(lines, m.matrixLines(mx, e.Status)...)
	} else if l, ok := e.Details.(steps.Lines); ok && m.details {
		for _, s := range l.Lines() {
			lines = append(lines, "  "+s)
		}
	}
	if e.Hint != "" && (e.Status == steps.Failed || e.Status == steps.Warned || e.Status == steps.Noted) {
		lines = append(lines, head(wrap(st.Subtle.Render("hint: ")+e.Hint, m.width), hintLines)...)
	}
	return lines
}

// statusText is the cell's status in words, with its message: what the
// text report says for the step.
func (m checksModel) statusText(e steps.Event, have bool) string {
	st := m.styles
	with := func(s, msg string) string {
		if msg == "" {
			return s
		}
		return s + ": " + msg
	}
	switch {
	case !have && m.running:
		return st.Subtle.Render(markPending + " waiting for the checks it runs after")
	case !have:
		return st.Subtle.Render(markPending + " not run")
	case e.Status == steps.Running:
		return with(m.spinner.View()+" running", e.Message)
	case e.Status == steps.Passed:
		return with(st.OK.Render(GlyphOK)+" passed", e.Message)
	case e.Status == steps.Warned:
		s := st.Warn.Render(GlyphWarn) + " warning"
		if m.isAccepted(e) {
			s += " (accepted)"
		}
		return with(s, e.Message)
	case e.Status == steps.Failed:
		s := st.Fail.Render(GlyphFail) + " failed"
		if reason, _, _ := kube.Classify(e.Err); reason != kube.ReasonNone && reason != kube.ReasonUnclassified {
			s += " (" + reasonLabel(reason) + ")"
		}
		return with(s, e.Message)
	case e.Status == steps.Skipped:
		return with(st.Subtle.Render(markSkipped)+" skipped", m.explainSkip(e))
	}
	return with(e.Status.Glyph()+" note", e.Message)
}

// explainSkip says which check a step skipped by a blocking dependency
// waited for, following a chain of such skips (steps.Event.BlockedBy) back
// to the check that failed; other skips keep the engine's message.
func (m checksModel) explainSkip(e steps.Event) string {
	if len(e.BlockedBy) == 0 {
		return e.Message
	}
	ref := e.BlockedBy[0]
	cause, ok := m.cells[ref]
	for range len(m.cells) {
		if !ok || cause.Status != steps.Skipped || len(cause.BlockedBy) == 0 {
			break
		}
		ref = cause.BlockedBy[0]
		cause, ok = m.cells[ref]
	}
	what := "did not succeed"
	switch {
	case ok && cause.Status == steps.Failed:
		what = "failed"
	case ok && cause.Status == steps.Skipped:
		what = "was skipped"
	}
	where := " on " + ref.Cluster
	if ref.Cluster == "" {
		where = " across clusters"
	}
	return fmt.Sprintf("not run, because %q %s%s", m.titleOf(ref.ID), what, where)
}

// matrixCaption says what the overlap matrix of a check compares.
func matrixCaption(id string) string {
	if id == "mesh/service-cidr-overlap" {
		return "each row's services against each column's services and pods:"
	}
	return "pod ranges, cluster against cluster:"
}

// matrixLines draws a checks.Matrix as a grid of clusters × clusters: ✓
// where the ranges are apart, ✗ and the shared range where they overlap,
// ? where a cluster's ranges are unknown. The shared ranges are left out
// when they do not fit the width.
func (m checksModel) matrixLines(mx *checks.Matrix, status steps.Status) []string {
	n := len(mx.Clusters)
	if n == 0 {
		return nil
	}
	st := m.styles
	overlap := st.Fail
	if status != steps.Failed {
		overlap = st.Warn
	}
	cell := func(raw string, long bool) string {
		switch {
		case raw == "":
			return st.Subtle.Render(markSkipped)
		case raw == "ok":
			return st.OK.Render(GlyphOK)
		case raw == "unknown":
			return st.Warn.Render("?")
		}
		s := overlap.Render(GlyphFail)
		if what, ok := strings.CutPrefix(raw, "overlap "); ok && long {
			s += " " + what
		}
		return s
	}
	nameW, cellW := 0, 0
	for _, c := range mx.Clusters {
		nameW = max(nameW, min(ansi.StringWidth(c), checksMaxName))
	}
	long := true
	for i := range n {
		for j := range n {
			cellW = max(cellW, ansi.StringWidth(cell(cellAt(mx, i, j), true)))
		}
	}
	cellW = max(cellW, nameW)
	const indent = 2
	if indent+nameW+n*(checksGap+cellW) > m.width {
		long = false
		cellW = max(min(nameW, (m.width-indent-nameW)/n-checksGap), 1)
	}
	gap := strings.Repeat(" ", checksGap)
	header := strings.Repeat(" ", indent) + pad("", nameW)
	for _, c := range mx.Clusters {
		header += gap + pad(truncateMiddle(c, cellW), cellW)
	}
	lines := []string{st.Subtle.Render(header)}
	for i, c := range mx.Clusters {
		line := strings.Repeat(" ", indent) + pad(truncateMiddle(c, nameW), nameW)
		for j := range n {
			line += gap + pad(cell(cellAt(mx, i, j), long), cellW)
		}
		lines = append(lines, line)
	}
	return lines
}

// cellAt reads a matrix cell, tolerating a ragged matrix.
func cellAt(mx *checks.Matrix, i, j int) string {
	if i < len(mx.Cells) && j < len(mx.Cells[i]) {
		return mx.Cells[i][j]
	}
	return "unknown"
}
