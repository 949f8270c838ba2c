package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/teardown"
)

// View implements screenModel.
func (m teardownModel) View() string {
	st := m.styles
	var head, body, foot []string
	switch m.phase {
	case tdDiscovering:
		head = []string{st.Title.Render("Teardown"), "", m.spinner.View() + " Looking at " + plural(len(m.s.contexts), "cluster") + " for what the mesh left…"}
	case tdPreview, tdConfirm:
		head = []string{st.Title.Render("Teardown: what will be removed, kept and broken"), ""}
		body = m.lines
		if m.inv.NothingToDo() {
			body = append(body, "", st.OK.Render(GlyphOK)+" Nothing to remove: no cluster holds anything of the mesh.")
		}
		if m.phase == tdConfirm {
			n := 0
			for _, c := range m.inv.Clusters {
				if c.Reachable && !c.NothingLeft() {
					n++
				}
			}
			foot = []string{"", st.Warn.Render(fmt.Sprintf("Remove it from %s? y/n", plural(n, "cluster")))}
		}
	case tdRunning, tdVerifying:
		head = m.progressLines()
	case tdDone:
		head, body = m.doneLines()
	}
	return m.page(head, body, foot)
}

// page draws head, then as much of body as fits from m.offset on, then
// foot, each line wrapped to the width.
func (m teardownModel) page(head, body, foot []string) string {
	var lines, bottom []string
	for _, l := range head {
		lines = append(lines, wrap(l, m.width)...)
	}
	for _, l := range foot {
		bottom = append(bottom, wrap(l, m.width)...)
	}
	var rest []string
	for _, l := range body {
		rest = append(rest, hang(l, m.width)...)
	}
	if m.height > 0 {
		room := max(m.height-len(lines)-len(bottom), 1)
		off := min(m.offset, max(len(rest)-room, 0))
		if total := len(rest); total > room {
			off = min(off, total-room+1)
			rest = append(rest[off:off+room-1:off+room-1],
				m.styles.Subtle.Render(fmt.Sprintf("↑/↓ scroll · lines %d–%d of %d", off+1, off+room-1, total)))
		}
	}
	return strings.Join(append(append(lines, rest...), bottom...), "\n")
}

// progressLines shows, per cluster, how far its lane is and what runs.
func (m teardownModel) progressLines() []string {
	st := m.styles
	done, total := 0, len(m.plan)
	for _, e := range m.events {
		if e.Status.Final() {
			done++
		}
	}
	title := fmt.Sprintf("Removing the mesh · %d/%d steps · %s", done, total, time.Since(m.started).Round(time.Second))
	if m.phase == tdVerifying {
		title = "Looking again at what is left…"
	}
	out := []string{st.Title.Render(title), ""}
	for _, c := range m.s.contexts {
		var lane []steps.Step
		for _, s := range m.plan {
			if s.Cluster == c.Name {
				lane = append(lane, s)
			}
		}
		if len(lane) == 0 {
			out = append(out, fmt.Sprintf("%s  %s", st.Subtle.Render("–"), c.Name+": nothing to do"))
			continue
		}
		n, line := 0, ""
		for _, s := range lane {
			e, seen := m.events[steps.Ref{ID: s.ID, Cluster: s.Cluster}]
			switch {
			case seen && e.Status.Final():
				n++
				if e.Status == steps.Failed {
					line = st.Fail.Render(GlyphFail) + " " + s.Title + ": " + e.Message
				}
			case seen && line == "":
				line = m.spinner.View() + " " + s.Title
				if e.Message != "" {
					line += " — " + e.Message
				}
			}
		}
		mark := st.Subtle.Render("·")
		if n == len(lane) {
			mark = st.OK.Render(GlyphOK)
		}
		out = append(out, fmt.Sprintf("%s  %s  %d/%d", mark, st.Title.Render(c.Name), n, len(lane)))
		if line != "" {
			out = append(out, "   "+fit(line, m.width-3))
		}
	}
	if m.asking {
		out = append(out, "", st.Warn.Render("Stop the teardown? Running steps end; a re-run finishes. y/n"))
	}
	return out
}

// doneLines says how the teardown went and what is left where.
func (m teardownModel) doneLines() (head, body []string) {
	st := m.styles
	if m.err != nil {
		return []string{st.Fail.Render(GlyphFail) + " " + st.Title.Render("Teardown failed"), "", m.err.Error()}, nil
	}
	var problem error
	if m.after != nil && m.summary != nil {
		problem = m.after.Unfinished(*m.summary)
	}
	switch {
	case problem != nil:
		head = []string{st.Warn.Render(GlyphWarn) + " " + st.Title.Render("Teardown not finished"), "", problem.Error()}
	default:
		head = []string{st.OK.Render(GlyphOK) + " " + st.Title.Render("The mesh is removed from every cluster"), ""}
	}
	if m.summary != nil {
		head = append(head, "Steps: "+steps.SummaryLine(*m.summary))
	}
	if m.after != nil {
		body = append(body, "", "Left behind:")
		body = append(body, teardown.LeftBehindLines(m.inv, m.after)...)
	}
	for _, e := range m.failedEvents() {
		body = append(body, "", st.Fail.Render(GlyphFail)+" "+e.Step.Cluster+": "+e.Title+": "+e.Message)
		if e.Hint != "" {
			body = append(body, "  hint: "+e.Hint)
		}
	}
	return head, body
}

func (m teardownModel) failedEvents() []steps.Event {
	if m.summary == nil {
		return nil
	}
	var out []steps.Event
	for _, e := range m.summary.Steps {
		if e.Status == steps.Failed {
			out = append(out, e)
		}
	}
	return out
}

// hang wraps l to width with a hanging indent: continuation lines start two
// cells deeper than l does, so a wrapped entry reads as one.
func hang(l string, width int) []string {
	indent := len(l) - len(strings.TrimLeft(l, " ")) + 2
	if width-indent < 20 {
		return wrap(l, width)
	}
	first := wrap(l, width)
	if len(first) == 1 {
		return first
	}
	rest := wrap(strings.Join(first[1:], " "), width-indent)
	for i := range rest {
		rest[i] = strings.Repeat(" ", indent) + rest[i]
	}
	return append(first[:1], rest...)
}

// finalText is the teardown's outcome in full, printed when the wizard
// quits after it.
func (m teardownModel) finalText() string {
	if m.phase != tdDone {
		return ""
	}
	head, body := m.doneLines()
	var out []string
	for _, l := range append(head, body...) {
		out = append(out, hang(l, m.width)...)
	}
	return strings.Join(out, "\n")
}
