package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// Layout of the checks grid: "› title  east  west  mesh".
const (
	checksPrefix   = 2  // the cursor marker
	checksGap      = 2  // spaces before each column
	checksMaxCol   = 12 // widest cluster column; longer names are cut in the middle
	checksMinCol   = 3  // a mark in brackets
	checksMinTitle = 24 // narrowest title column before cluster columns shrink
	checksMinGrid  = 4  // rows of the grid the detail leaves room for
	checksMsgLines = 3  // lines of the message in the compact detail
	checksHint     = 2  // lines of the hint in the compact detail
	checksMaxName  = 16 // widest cluster name in the overlap matrix
	meshColumn     = "mesh"
	markPending    = "·"
	markSkipped    = "–"
)

// View implements screenModel. Every line fits the width; with a known
// height, the grid scrolls so that the cursor row is always drawn.
func (m checksModel) View() string {
	l := m.layout()
	m = m.scrollTo(l.grid)
	lines := []string{m.heading()}
	if m.planErr != nil {
		lines = append(lines, "")
		lines = append(lines, wrap(m.styles.Fail.Render(GlyphFail)+" The checks cannot run: "+m.planErr.Error(), m.width)...)
		lines = append(lines, "", m.styles.Subtle.Render("Press esc to change the topology, or r to try again."))
	} else {
		titleW, cols := m.columns()
		lines = append(lines, m.columnHeader(titleW, cols))
		shown := m.visibleRows(l.grid)
		for _, i := range shown {
			lines = append(lines, m.rowLine(i, titleW, cols))
		}
		if len(l.detail) > 0 {
			lines = append(lines, "")
			lines = append(lines, l.detail...)
		}
		lines = append(lines, "", m.summaryLine(len(shown)))
		lines = append(lines, l.verdict...)
	}
	return fitFrame(lines, m.width, m.height)
}

// heading says what is being checked.
func (m checksModel) heading() string {
	cfg := m.s.cfg
	if cfg == nil {
		return m.styles.Title.Render("Prerequisite checks")
	}
	network := "one network"
	if cfg.MultiNetwork() {
		network = "a network per cluster"
	}
	return m.styles.Title.Render("Prerequisite checks") +
		m.styles.Subtle.Render(fmt.Sprintf(" · %s, %s, %s", plural(len(cfg.Clusters), "cluster"), cfg.Model, network))
}

// columns returns the widths of the title column and of each cluster
// column. Cluster columns are as wide as their names, up to checksMaxCol;
// they shrink when the title column would get narrower than checksMinTitle.
// The title column takes the rest of the width, up to the longest title.
func (m checksModel) columns() (title int, cols []int) {
	cols = make([]int, len(m.clusters))
	for limit := checksMaxCol; ; limit-- {
		used := checksPrefix + checksGap + ansi.StringWidth(meshColumn)
		for i, c := range m.clusters {
			cols[i] = min(max(ansi.StringWidth(c), checksMinCol), limit)
			used += checksGap + cols[i]
		}
		title = m.width - used
		if title >= checksMinTitle || limit <= checksMinCol {
			longest := len("CHECK") // no wider than the longest title: marks stay near their titles
			for _, r := range m.rows {
				longest = max(longest, ansi.StringWidth(r.title))
			}
			return max(min(title, longest), 1), cols
		}
	}
}

func (m checksModel) columnHeader(titleW int, cols []int) string {
	gap := strings.Repeat(" ", checksGap)
	line := strings.Repeat(" ", checksPrefix) + pad("CHECK", titleW)
	for i, c := range m.clusters {
		line += gap + center(truncateMiddle(c, cols[i]), cols[i])
	}
	return m.styles.Subtle.Render(line + gap + meshColumn)
}

// rowLine renders row i: its title and a mark per cluster, or its one mark
// in the mesh column. The cursor row shows the selected cell in brackets.
func (m checksModel) rowLine(i, titleW int, cols []int) string {
	st, r := m.styles, m.rows[i]
	cursor, title := "  ", fit(r.title, titleW)
	sel := -2 // no cell
	if i == m.cursor {
		cursor, title = st.Cursor.Render("›")+" ", st.Title.Render(title)
		sel = m.selectedColumn() // -1: the mesh cell
	}
	gap := strings.Repeat(" ", checksGap)
	line := cursor + pad(title, titleW)
	for j, c := range m.clusters {
		cell := ""
		if !r.mesh {
			cell = m.mark(steps.Ref{ID: r.id, Cluster: c}, j == sel)
		}
		line += gap + center(cell, cols[j])
	}
	if r.mesh {
		line += gap + center(m.mark(steps.Ref{ID: r.id}, sel == -1), ansi.StringWidth(meshColumn))
	}
	return line
}

// mark is a cell's glyph: a spinner while the step runs, ✓ ! ✗ i when it
// ended, – skipped, · not started. A selected cell is drawn in brackets.
func (m checksModel) mark(ref steps.Ref, selected bool) string {
	e, ok := m.cells[ref]
	var s string
	switch {
	case !ok:
		s = m.marks.pending
	case e.Status == steps.Running:
		s = m.spinner.View()
	default:
		s = m.marks.final[e.Status]
	}
	if selected {
		return m.marks.open + s + m.marks.close
	}
	return s
}

// checkMarks are the grid's marks, styled once: a frame draws dozens.
type checkMarks struct {
	pending, open, close string
	final                map[steps.Status]string
}

func newCheckMarks(st Styles) checkMarks {
	return checkMarks{
		pending: st.Subtle.Render(markPending),
		open:    st.Cursor.Render("["),
		close:   st.Cursor.Render("]"),
		final: map[steps.Status]string{
			steps.Passed:  st.OK.Render(GlyphOK),
			steps.Warned:  st.Warn.Render(GlyphWarn),
			steps.Failed:  st.Fail.Render(GlyphFail),
			steps.Skipped: st.Subtle.Render(markSkipped),
			steps.Noted:   steps.Noted.Glyph(),
		},
	}
}

// checksLayout is what surrounds the grid in one frame, and the rows left
// for the grid.
type checksLayout struct {
	verdict []string
	detail  []string // cut to the room left by the grid's minimum; nil when under two lines
	grid    int      // rows of the grid drawn; math.MaxInt when the height is unknown
}

// layout shares the height between the grid and the detail: the heading,
// the column header, the blank lines above the detail and the summary, the
// summary and the verdict are always drawn; the grid keeps checksMinGrid
// rows; the detail gets what is left, and the grid the rest.
func (m checksModel) layout() checksLayout {
	l := checksLayout{verdict: m.verdict(), detail: m.detail(), grid: math.MaxInt}
	if m.height <= 0 {
		return l
	}
	fixed := 5 + len(l.verdict)
	room := m.height - fixed - min(len(m.rows), checksMinGrid)
	if room < 2 {
		l.detail = nil
	} else {
		l.detail = head(l.detail, room)
	}
	used := fixed - 1 // the blank above the detail goes with it
	if len(l.detail) > 0 {
		used += 1 + len(l.detail)
	}
	l.grid = max(m.height-used, 1)
	return l
}

// visibleRows returns the indexes of the rows drawn, h at most.
func (m checksModel) visibleRows(h int) []int {
	var out []int
	for i := m.offset; i < len(m.rows) && len(out) < h; i++ {
		out = append(out, i)
	}
	return out
}

// scroll clamps the cursor and moves offset so that the cursor row is
// drawn, using free space at the bottom to show rows above.
func (m checksModel) scroll() checksModel {
	return m.scrollTo(m.layout().grid)
}

// scrollTo is scroll for a grid of h rows.
func (m checksModel) scrollTo(h int) checksModel {
	m.cursor = max(min(m.cursor, len(m.rows)-1), 0)
	if h == math.MaxInt {
		m.offset = 0
		return m
	}
	m.offset = min(m.offset, m.cursor)
	m.offset = max(m.offset, m.cursor-h+1)
	m.offset = max(min(m.offset, len(m.rows)-h), 0)
	return m
}

// summaryLine tallies the run as the text report does, with what is still
// running and the rows scrolled out of view (shown rows are drawn).
func (m checksModel) summaryLine(shown int) string {
	var sum steps.Summary
	var running, waiting int
	for _, r := range m.rows {
		for _, ref := range m.refs(r) {
			e, ok := m.cells[ref]
			switch {
			case !ok:
				waiting++
			case e.Status == steps.Running:
				running++
			default:
				sum.Steps = append(sum.Steps, e)
			}
		}
	}
	switch {
	case m.done != nil:
		sum.Duration = m.done.Duration
	case m.running:
		sum.Duration = time.Since(m.started).Truncate(100 * time.Millisecond)
	}
	parts := []string{steps.SummaryLine(sum)}
	if running > 0 {
		parts = append(parts, fmt.Sprintf("%d running", running))
	}
	if waiting > 0 {
		parts = append(parts, fmt.Sprintf("%d waiting", waiting))
	}
	if n := sum.Count(steps.Warned) - len(m.unaccepted()); n > 0 {
		parts = append(parts, fmt.Sprintf("%d accepted", n))
	}
	if m.offset > 0 {
		parts = append(parts, fmt.Sprintf("↑ %d more", m.offset))
	}
	if below := len(m.rows) - m.offset - shown; below > 0 {
		parts = append(parts, fmt.Sprintf("↓ %d more", below))
	}
	return m.styles.Subtle.Render(strings.Join(parts, " · "))
}

// verdict says what the run means for going on, and what to do.
func (m checksModel) verdict() []string {
	st := m.styles
	diag := m.s.flow == flowDiagnostics
	var s string
	switch failed, warned := m.blocking(), m.unaccepted(); {
	case m.running:
		s = m.spinner.View() + " Checking the clusters: results fill in as they arrive."
	case m.done == nil:
		return nil
	case len(failed) > 0:
		s = st.Fail.Render(GlyphFail) + " " + plural(len(failed), "failed check")
		switch {
		case diag:
			s += " would stop an install."
		case len(failed) == 1:
			s += " blocks the install: fix it, then press r to re-run the checks."
		default:
			s += " block the install: fix them, then press r to re-run the checks."
		}
		if m.offerLoopback() {
			s += " Clusters on this machine? L allows loopback API server addresses."
		}
	case len(warned) > 0 && diag:
		s = st.Warn.Render(GlyphWarn) + " " + plural(len(warned), "warning") + " worth reading before an install."
	case len(warned) > 0:
		s = st.Warn.Render(GlyphWarn) + " Read the " + plural(len(warned), "warning") + ", then press a to accept them and continue."
	case diag:
		s = st.OK.Render(GlyphOK) + " Nothing stops an install."
	default:
		s = st.OK.Render(GlyphOK) + " Ready: press enter to continue."
	}
	lines := head(wrap(s, m.width), 2)
	if diag && !m.running {
		lines = append(lines, st.Title.Render("The diagnostics are done:")+" esc to change the topology, q to quit.")
	}
	return lines
}

// center pads s with spaces on both sides to width cells.
func center(s string, width int) string {
	left := max(width-ansi.StringWidth(s), 0) / 2
	return pad(strings.Repeat(" ", left)+s, width)
}
