package tui

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// Layout of a context row: "› [x] * name  server  status".
const (
	rowPrefix   = 8  // cursor, checkbox and current-context marker
	colGap      = 2  // spaces between columns
	statusWidth = 22 // "✗ " and the longest reasonLabel, or "✓ v1.34.4  12ms"
	minServer   = 12
	detailLines = 2 // at most this many lines each of the error and the hint
	minRowLines = 3 // lines of rows the detail leaves room for
)

// View implements screenModel. Every line fits the width; with a known
// height, the rows scroll so that the cursor row is always drawn.
func (m contextsModel) View() string {
	lines := m.header()
	switch {
	case m.loading && m.rows == nil:
		lines = append(lines, m.spinner.View()+" reading the kubeconfig…")
	case len(m.rows) == 0:
		lines = append(lines, m.emptyView()...)
	default:
		lines = append(lines, m.columnHeader())
		for _, i := range m.visibleRows() {
			lines = append(lines, m.rowLines(i)...)
		}
		lines = append(lines, m.shownDetail()...)
		lines = append(lines, "", m.summary())
	}
	return fitFrame(lines, m.width, m.height)
}

// header is the title and the kubeconfig files read.
func (m contextsModel) header() []string {
	files := "…"
	if len(m.files) > 0 {
		files = strings.Join(m.files, ", ")
	}
	return []string{
		m.styles.Title.Render(m.title),
		m.styles.Subtle.Render("kubeconfig: " + files),
		"",
	}
}

// emptyView explains how to get clusters when the kubeconfig gives none.
func (m contextsModel) emptyView() []string {
	fail := m.styles.Fail.Render(GlyphFail)
	var lines []string
	switch {
	case errors.Is(m.loadErr, kube.ErrNoKubeconfig):
		lines = []string{fail + " No kubeconfig found."}
	case m.loadErr != nil:
		lines = wrap(fail+" Could not read the kubeconfig: "+m.loadErr.Error(), m.width)
	default:
		lines = []string{fail + " The kubeconfig defines no contexts."}
	}
	return append(lines,
		"",
		"meshwiz needs two or more Kubernetes clusters in a kubeconfig. To get some:",
		"  make sandbox        starts loopback clusters on this machine and prints",
		"                      the KUBECONFIG to export",
		"  --kubeconfig FILE   uses that kubeconfig file",
		"  KUBECONFIG=a:b      merges several kubeconfig files",
		"",
		m.styles.Subtle.Render("Then start meshwiz again, or press r to reload."),
	)
}

// columns returns the widths of the name and server columns.
func (m contextsModel) columns() (name, server int) {
	name = len("CONTEXT")
	for _, r := range m.rows {
		name = max(name, ansi.StringWidth(r.Name))
	}
	name = min(name, max(m.width/4, 12))
	server = max(m.width-rowPrefix-name-statusWidth-2*colGap, minServer)
	return name, server
}

func (m contextsModel) columnHeader() string {
	name, server := m.columns()
	gap := strings.Repeat(" ", colGap)
	return m.styles.Subtle.Render(strings.Repeat(" ", rowPrefix) +
		pad("CONTEXT", name) + gap + pad("SERVER", server) + gap + "STATUS")
}

// rowLines renders row i: one line, plus the hint under a failed probe.
func (m contextsModel) rowLines(i int) []string {
	s, r := m.styles, m.rows[i]
	nameW, serverW := m.columns()
	cursor, box, current := "  ", "[ ]", "  "
	if i == m.cursor {
		cursor = s.Cursor.Render("›") + " "
	}
	if r.selected {
		box = s.Selected.Render("[x]")
	}
	name := pad(truncateMiddle(r.Name, nameW), nameW)
	if r.Current {
		current, name = s.Current.Render("*")+" ", s.Current.Render(name)
	}
	server := r.Server
	if ansi.StringWidth(server) > serverW {
		server = strings.TrimPrefix(server, "https://") // the detail has it whole
	}
	gap := strings.Repeat(" ", colGap)
	line := cursor + box + " " + current + name + gap +
		pad(truncateMiddle(server, serverW), serverW) + gap + m.statusCell(r)
	if !m.hasHintLine(i) {
		return []string{line}
	}
	hint := ansi.Truncate("↳ "+r.probe.Hint(), m.width-rowPrefix, "…")
	return []string{line, strings.Repeat(" ", rowPrefix) + s.Subtle.Render(hint)}
}

// statusCell is a spinner while the probe runs, then ✓ with the version and
// latency, or ✗ with the reason.
func (m contextsModel) statusCell(r contextRow) string {
	s := m.styles
	switch {
	case r.probe == nil:
		return m.spinner.View() + " " + s.Subtle.Render("probing…")
	case r.probe.Reachable():
		v := r.probe.Version
		if v == "" {
			v = "reachable"
		}
		text := v + "  " + formatTook(r.probe.Took)
		if ansi.StringWidth(text) > statusWidth-2 {
			text = ansi.Truncate(v, statusWidth-2, "…")
		}
		return s.OK.Render(GlyphOK) + " " + text
	default:
		return s.Fail.Render(GlyphFail) + " " + reasonLabel(r.probe.Reason)
	}
}

// detail describes the row under the cursor in full: names, the whole
// server URL, and for a failure the error and the whole hint.
func (m contextsModel) detail() []string {
	if m.cursor >= len(m.rows) {
		return nil
	}
	s, r := m.styles, m.rows[m.cursor]
	about := []string{r.Name, "cluster " + r.Cluster, "user " + r.User}
	if r.Namespace != "" {
		about = append(about, "namespace "+r.Namespace)
	}
	if r.Current {
		about = append(about, "current context")
	}
	server := r.Server
	if r.TLSServerName != "" {
		server += " (tls-server-name " + r.TLSServerName + ")"
	}
	lines := []string{strings.Join(about, " · "), s.Subtle.Render(server)}
	switch p := r.probe; {
	case p == nil:
		lines = append(lines, "asking /version…")
	case p.Reachable():
		lines = append(lines, fmt.Sprintf("%s answered in %s: Kubernetes %s", GlyphOK, formatTook(p.Took), p.Version))
	default:
		cause := p.Err
		if ce := (*kube.ContextError)(nil); errors.As(cause, &ce) {
			cause = ce.Err // the context and server are on the lines above
		}
		_, explanation, hint := kube.Classify(cause)
		lines = append(lines, head(wrap(s.Fail.Render(GlyphFail)+" "+explanation, m.width), detailLines)...)
		if hint != "" {
			lines = append(lines, head(wrap(s.Subtle.Render("hint: ")+hint, m.width), detailLines)...)
		}
	}
	return lines
}

// shownDetail is the detail with its blank line above, cut to the room left
// by the header, minRowLines of rows and the summary; left out when there is
// no room for two lines of it.
func (m contextsModel) shownDetail() []string {
	d := m.detail()
	if m.height > 0 {
		room := m.height - len(m.header()) - 1 - minRowLines - 3 // column header, rows, blanks, summary
		if room < 2 {
			return nil
		}
		d = head(d, room)
	}
	return append([]string{""}, d...)
}

// summary counts the contexts by state and says when rows are scrolled out.
func (m contextsModel) summary() string {
	var ok, failed, probing, selected int
	for _, r := range m.rows {
		switch {
		case r.probe == nil:
			probing++
		case r.probe.Reachable():
			ok++
		default:
			failed++
		}
		if r.selected {
			selected++
		}
	}
	parts := []string{plural(len(m.rows), "context"), fmt.Sprintf("%d reachable", ok)}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d unreachable", failed))
	}
	if probing > 0 {
		parts = append(parts, fmt.Sprintf("%d probing", probing))
	}
	parts = append(parts, fmt.Sprintf("%d selected", selected))
	if m.offset > 0 {
		parts = append(parts, fmt.Sprintf("↑ %d more", m.offset))
	}
	if below := len(m.rows) - m.offset - len(m.visibleRows()); below > 0 {
		parts = append(parts, fmt.Sprintf("↓ %d more", below))
	}
	return m.styles.Subtle.Render(strings.Join(parts, " · "))
}

// listHeight is the number of lines left for the rows.
func (m contextsModel) listHeight() int {
	if m.height <= 0 {
		return math.MaxInt
	}
	fixed := len(m.header()) + 1 + len(m.shownDetail()) + 2 // column header, detail, blank, summary
	return max(m.height-fixed, 1)
}

func (m contextsModel) hasHintLine(i int) bool {
	p := m.rows[i].probe
	return p != nil && !p.Reachable() && p.Hint() != ""
}

func (m contextsModel) rowHeight(i int) int {
	if m.hasHintLine(i) {
		return 2
	}
	return 1
}

// visibleRows returns the indexes of the rows drawn from offset on: as many
// as fit in listHeight, and at least one.
func (m contextsModel) visibleRows() []int {
	var out []int
	used, avail := 0, m.listHeight()
	for i := m.offset; i < len(m.rows); i++ {
		used += m.rowHeight(i)
		if used > avail && len(out) > 0 {
			break
		}
		out = append(out, i)
	}
	return out
}

// scroll clamps the cursor and moves offset so that the cursor row is drawn,
// using free space at the bottom to show rows above.
func (m contextsModel) scroll() contextsModel {
	m.cursor = max(min(m.cursor, len(m.rows)-1), 0)
	m.offset = max(min(m.offset, m.cursor), 0)
	avail := m.listHeight()
	lines := func(from, to int) int { // lines of rows from..to inclusive
		n := 0
		for i := from; i <= to; i++ {
			n += m.rowHeight(i)
		}
		return n
	}
	for m.offset < m.cursor && lines(m.offset, m.cursor) > avail {
		m.offset++
	}
	for m.offset > 0 && lines(m.offset-1, len(m.rows)-1) <= avail {
		m.offset--
	}
	return m
}

// reasonLabel names a probe failure in a few words (at most statusWidth-2
// cells); the detail line under the list has the full explanation.
func reasonLabel(r kube.Reason) string {
	switch r {
	case kube.ReasonDNS:
		return "DNS lookup failed"
	case kube.ReasonRefused:
		return "connection refused"
	case kube.ReasonTimeout:
		return "timed out"
	case kube.ReasonUnknownCA:
		return "untrusted CA"
	case kube.ReasonTLSHostname:
		return "TLS name mismatch"
	case kube.ReasonTLS:
		return "TLS error"
	case kube.ReasonUnauthorized:
		return "401 unauthorized"
	case kube.ReasonForbidden:
		return "403 forbidden"
	case kube.ReasonExecPlugin:
		return "exec plugin failed"
	case kube.ReasonCanceled:
		return "canceled"
	case kube.ReasonInvalidConfig:
		return "invalid kubeconfig"
	}
	return "error"
}

// formatTook renders a probe's latency: "12ms", "1.2s".
func formatTook(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", max(d.Milliseconds(), 1))
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// pad right-pads s with spaces to width cells.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(width-ansi.StringWidth(s), 0))
}

// truncateMiddle shortens s to width cells by cutting out its middle, so a
// long server URL keeps its host start and its port, and contexts with long
// common prefixes (EKS ARNs) keep the suffixes that tell them apart.
func truncateMiddle(s string, width int) string {
	w := ansi.StringWidth(s)
	if w <= width {
		return s
	}
	if width < 5 {
		return ansi.Truncate(s, width, "…")
	}
	tail := width / 3
	return ansi.Truncate(s, width-1-tail, "") + "…" + ansi.TruncateLeft(s, w-tail, "")
}

// head returns at most n lines, marking a cut with "…".
func head(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	out := slices.Clone(lines[:n])
	out[n-1] += "…"
	return out
}
