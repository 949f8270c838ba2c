package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Layout of the lanes.
const (
	installGap       = 2  // spaces between side-by-side lanes
	installMinColumn = 22 // narrowest side-by-side lane
	installDurWidth  = 5  // "1m05s"
	installLabelCol  = 22 // label column of a stacked lane
	installMaxFail   = 6  // lines of failures under the lanes, when the height is known
)

// installPaint wraps text in a style's escape sequences without calling
// lipgloss for every cell: the styles of the lanes are plain SGR runs.
type installPaint struct{ pre, post string }

func newInstallPaint(s lipgloss.Style) installPaint {
	pre, post, ok := strings.Cut(s.Render("\x00"), "\x00")
	if !ok {
		return installPaint{}
	}
	return installPaint{pre: pre, post: post}
}

func (p installPaint) on(s string) string {
	if s == "" || p.pre == "" {
		return s
	}
	return p.pre + s + p.post
}

// installPaints are the styles of the lanes.
type installPaints struct {
	title, subtle, fail, warn, ok installPaint
}

// View implements screenModel. It reads the model only: the spinner frame
// and the clock advance in Update, so the same model draws the same frame.
func (m installModel) View() string {
	m.frame = m.spinner.View() // once per frame: it is a lipgloss render
	if m.details {
		return m.detailsView()
	}
	head := m.headLines()
	foot := m.footLines()
	lines := head
	switch {
	case m.height <= 0: // unknown height: every step
		lines = append(lines, m.laneLines(0)...)
	case len(head)+len(foot) < m.height:
		lines = append(lines, m.laneLines(m.height-len(head)-len(foot))...)
	default: // a tiny terminal: the title, the bar and what to do
		lines = head[:min(2, len(head))]
	}
	lines = append(lines, foot...)
	var b strings.Builder
	b.Grow(m.width * max(m.height, 24) * 2)
	if m.height > 0 && len(lines) > m.height {
		lines = lines[:m.height]
	}
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// title is the heading for the phase.
func (m installModel) title() string {
	id, n := "the mesh", 0
	if m.cfg != nil {
		id, n = m.cfg.MeshID, len(m.cfg.Clusters)
	}
	into := fmt.Sprintf("%s into %s", id, plural(n, "cluster"))
	switch m.phase {
	case installPreparing:
		return "Preparing to install " + into
	case installRunning:
		return "Installing " + into
	case installCancelling:
		return "Cancelling the install of " + id
	case installCancelled:
		return "Install of " + id + " cancelled"
	case installNotStarted:
		return "Install of " + id + " not started"
	case installDone:
		if m.summary != nil && m.summary.Failed() {
			return "Install of " + id + " failed"
		}
		return "Installed " + into
	}
	return "Install"
}

// headLines are the title with the elapsed time, the progress bar, what
// was done about the CA, and a blank line.
func (m installModel) headLines() []string {
	p := m.paints()
	title := installClip(m.title(), m.width)
	if d := installDuration(m.elapsed()); d != "" && installWidth(title)+2+len(d) <= m.width {
		title = p.title.on(title) + strings.Repeat(" ", m.width-installWidth(title)-len(d)) + p.subtle.on(d)
	} else {
		title = p.title.on(title)
	}
	lines := []string{title, m.barLine()}
	switch {
	case m.phase == installPreparing:
		what := " in " + m.cfg.Security.CA.Dir + ": a root and one intermediate per cluster, RSA " + strconv.Itoa(installKeyBits(m.s)) +
			" (reused when an earlier run wrote them; large keys take seconds)…"
		if m.cfg.Security.CA.Mode == mesh.CAExisting {
			what = ": loading the CA in " + m.cfg.Security.CA.Dir + " and checking each cluster's intermediate against its root…"
		}
		lines = append(lines, installHead(installWrap(m.spin()+" Preparing certificates"+what, m.width), 3, m.width)...)
	case m.caMessage != "":
		lines = append(lines, p.subtle.on(installClip("CA: "+m.caMessage, m.width)))
	}
	if m.s.allowLoopback {
		lines = append(lines, p.warn.on(GlyphWarn)+installClip(" loopback API server addresses accepted: this machine's clusters only", m.width-1))
	}
	return append(lines, "")
}

// barLine is the overall progress: finished of all steps.
func (m installModel) barLine() string {
	count := fmt.Sprintf(" %d/%d steps", m.finished, m.total)
	failed, skipped := m.failedCount(), 0
	for _, l := range m.lanes {
		for _, s := range l.steps {
			if s.status == steps.Skipped && summaryCut(steps.Event{Status: s.status, Message: s.message}) {
				skipped++ // not a step with nothing to do: one cut short
			}
		}
	}
	if failed > 0 {
		count += fmt.Sprintf(" · %d failed", failed)
	}
	if skipped > 0 {
		count += fmt.Sprintf(" · %d not run", skipped)
	}
	w := max(m.width-installWidth(count), 0)
	frac := 0.0
	if m.total > 0 {
		frac = float64(m.finished) / float64(m.total)
	}
	full := int(math.Round(frac * float64(w)))
	p := m.paints()
	paint := p.ok
	if failed > 0 {
		paint = p.fail
	}
	return paint.on(strings.Repeat("█", full)) + p.subtle.on(strings.Repeat("░", w-full)) + count
}

// failedCount is the number of failed steps.
func (m installModel) failedCount() int {
	n := 0
	for _, l := range m.lanes {
		_, f, _ := l.counts()
		n += f
	}
	return n
}

// footLines are the failures in full and what the phase means for the
// user: the question, the outcome, the next key.
func (m installModel) footLines() []string {
	p := m.paints()
	var lines []string
	if fails := m.failures(); len(fails) > 0 {
		lines = append(lines, "")
		var block []string
		for _, f := range fails {
			block = append(block, installHead(installWrap(p.fail.on(GlyphFail)+" "+f.lane+" · "+f.step.title+": "+f.step.message, m.width), 2, m.width)...)
			if f.step.hint != "" {
				block = append(block, installHead(installWrapCommand("  ", p.subtle.on("hint: ")+f.step.hint, m.width, "  "), 2, m.width)...)
			}
		}
		if m.height > 0 && len(block) > installMaxFail {
			block = append(block[:installMaxFail-1], p.subtle.on("  … d shows every step with its error and hint"))
		}
		lines = append(lines, block...)
	}
	var say []string
	switch {
	case m.askCancel:
		say = []string{p.title.on("Cancel the install? y/n") + p.subtle.on(
			" Running steps stop; what is applied stays (nothing is rolled back) and running setup again finishes it.")}
	case m.phase == installCancelling:
		say = []string{m.spin() + " Cancelling: waiting for the running steps to stop…"}
	case m.phase == installCancelled && m.preparing:
		say = []string{m.spin() + " Cancelled before anything was applied; waiting for the certificates being written to " +
			m.cfg.Security.CA.Dir + " to be complete…"}
	case m.phase == installCancelled && m.summary == nil:
		say = []string{p.warn.on(GlyphWarn) + " Cancelled before anything was applied. r starts again · esc goes back to the review."}
	case m.phase == installCancelled:
		say = []string{p.warn.on(GlyphWarn) + fmt.Sprintf(" Cancelled: %d of %d steps applied, recorded in each cluster's %s/%s.",
			m.appliedCount(), m.total, install.Namespace, install.RecordName),
			"r runs setup again to finish it (done steps report up to date) · enter: summary"}
	case m.phase == installNotStarted:
		say = []string{p.fail.on(GlyphFail) + " Nothing was applied: " + m.err.Error()}
		switch {
		case m.caErr:
			say = append(say, p.subtle.on("hint: ")+"fix the files in "+m.cfg.Security.CA.Dir+
				" (or esc back to the security screen and let meshwiz generate the CA), then press r.")
		default:
			say = append(say, p.subtle.on("hint: ")+"r tries again; esc goes back to the review.")
		}
	case m.failed():
		say = []string{p.fail.on(GlyphFail) + fmt.Sprintf(" %s failed, %d applied (recorded in each cluster's %s/%s).",
			plural(m.failedCount(), "step"), m.appliedCount(), install.Namespace, install.RecordName),
			"Fix the cause, then r runs the whole plan again: done steps report up to date quickly."}
	case m.phase == installDone:
		say = []string{p.ok.on(GlyphOK) + fmt.Sprintf(" The mesh is installed: %s in %s. enter: how to verify and undo it.",
			plural(m.total, "step"), plural(len(m.lanes), "cluster"))}
	}
	if len(say) > 0 {
		lines = append(lines, "")
		for _, s := range say {
			lines = append(lines, installHead(installWrap(s, m.width), 3, m.width)...)
		}
	}
	return lines
}

// paints returns the lane styles as escape-sequence pairs.
func (m installModel) paints() installPaints {
	return m.paint
}

// laneLines draws the lanes in avail lines (0: unlimited): side by side
// when each gets installMinColumn cells, otherwise one under the other.
func (m installModel) laneLines(avail int) []string {
	n := len(m.lanes)
	if n == 0 {
		return nil
	}
	if n >= 2 && n*installMinColumn+(n-1)*installGap <= m.width {
		return m.columns(avail)
	}
	return m.stacked(avail)
}

// columns draws the lanes side by side, each compacted to the same height.
func (m installModel) columns(avail int) []string {
	n := len(m.lanes)
	cw := (m.width - (n-1)*installGap) / n
	rows := 0
	if avail > 0 {
		rows = max(avail-1, 1)
	}
	cols := make([][]string, n)
	height := 0
	for i, l := range m.lanes {
		cols[i] = m.column(l, cw, rows)
		height = max(height, len(cols[i]))
	}
	gap := strings.Repeat(" ", installGap)
	blank := strings.Repeat(" ", cw)
	lines := make([]string, height)
	var b strings.Builder
	for r := range height {
		b.Reset()
		for i, col := range cols {
			if i > 0 {
				b.WriteString(gap)
			}
			switch {
			case r < len(col):
				b.WriteString(col[r])
			case i < n-1:
				b.WriteString(blank)
			}
		}
		lines[r] = strings.TrimRight(b.String(), " ")
	}
	return lines
}

// column draws one lane cw cells wide: its header, then the steps that fit
// in rows lines (0: all) around the running or failed one.
func (m installModel) column(l installLane, cw, rows int) []string {
	p := m.paints()
	finished, _, _ := l.counts()
	count := fmt.Sprintf("%d/%d", finished, len(l.steps))
	name := installClip(l.name, cw-len(count)-1)
	role := ""
	if rest := cw - installWidth(name) - len(count) - 2; rest >= 4 && l.role != "" {
		role = installClip(l.role, rest)
	}
	pad := cw - installWidth(name) - len(count)
	if role != "" {
		pad -= 1 + installWidth(role)
	}
	hdr := p.title.on(name)
	if role != "" {
		hdr += " " + p.subtle.on(role)
	}
	out := []string{hdr + strings.Repeat(" ", max(pad, 0)) + p.subtle.on(count)}
	return append(out, m.laneRows(l, cw, rows, true)...)
}

// laneRows renders the window of l's steps that fits in rows lines (0:
// all). narrow lanes put the running step's detail and a failure's error
// on a line of their own; wide ones after the duration.
func (m installModel) laneRows(l installLane, w, rows int, narrow bool) []string {
	heights := func(i int) int {
		if narrow && (l.steps[i].status == steps.Running || l.steps[i].status == steps.Failed) {
			return 2
		}
		return 1
	}
	a, b, marks, detail := installWindow(len(l.steps), l.focus(), rows, heights)
	var out []string
	if marks && a > 0 {
		out = append(out, m.moreRow(l.steps[:a], w, true, narrow))
	}
	for i := a; i < b; i++ {
		out = append(out, m.stepRow(l.steps[i], w, narrow))
		if narrow && detail && heights(i) == 2 {
			out = append(out, m.detailRow(l.steps[i], w))
		}
	}
	if marks && b < len(l.steps) {
		out = append(out, m.moreRow(l.steps[b:], w, false, narrow))
	}
	return out
}

// installWindow chooses the steps [a, b) of a lane of n steps to draw in
// rows lines (0: all), with a line for the hidden ones above and below
// (marks): the focus step, then alternately the next and the previous ones
// while they fit. When even the focus and the marks do not fit, the focus
// is drawn alone; detail says whether a two-line step keeps its second line.
func installWindow(n, focus, rows int, height func(int) int) (a, b int, marks, detail bool) {
	if n == 0 {
		return 0, 0, false, true
	}
	total := 0
	for i := range n {
		total += height(i)
	}
	if rows <= 0 || total <= rows {
		return 0, n, false, true
	}
	focus = max(min(focus, n-1), 0)
	markLines := func(a, b int) int {
		k := 0
		if a > 0 {
			k++
		}
		if b < n {
			k++
		}
		return k
	}
	if height(focus)+markLines(focus, focus+1) > rows {
		return focus, focus + 1, false, rows >= height(focus)
	}
	a, b = focus, focus+1
	used := height(focus)
	for grew := true; grew; {
		grew = false
		if b < n && used+height(b)+markLines(a, b+1) <= rows {
			used += height(b)
			b++
			grew = true
		}
		if a > 0 && used+height(a-1)+markLines(a-1, b) <= rows {
			used += height(a - 1)
			a--
			grew = true
		}
	}
	return a, b, true, true
}

// stepRow draws one step in w cells: mark, label, duration and, in wide
// lanes, the message.
func (m installModel) stepRow(s installStep, w int, narrow bool) string {
	p := m.paints()
	var glyph, dur string
	label := s.label
	switch s.status {
	case "":
		glyph = m.glyphs.pending
	case steps.Running:
		glyph = m.spin()
		if !s.started.IsZero() && m.now.After(s.started) {
			dur = installDuration(m.now.Sub(s.started))
		}
	default:
		glyph = m.statusGlyph(s.status)
		dur = installDuration(s.took)
	}
	if narrow {
		lw := max(w-3-installDurWidth, 1)
		text := installPad(label, lw)
		if s.status == "" {
			text = p.subtle.on(text)
		}
		return glyph + " " + text + " " + p.subtle.on(installPadLeft(dur, installDurWidth))
	}
	// "  ✓ label…  12.3s  message"
	text := installPad(label, installLabelCol)
	if s.status == "" {
		text = p.subtle.on(text)
	}
	row := "  " + glyph + " " + text + " " + p.subtle.on(installPadLeft(dur, installDurWidth))
	if rest := w - 4 - installLabelCol - 1 - installDurWidth - 2; rest > 4 && s.message != "" {
		msg := installClip(s.message, rest)
		if s.status == steps.Failed {
			msg = p.fail.on(msg)
		} else {
			msg = p.subtle.on(msg)
		}
		row += "  " + msg
	}
	return row
}

// detailRow is the second line of a running step (its progress detail) or
// a failed one (its error), in a narrow lane.
func (m installModel) detailRow(s installStep, w int) string {
	p := m.paints()
	msg := s.message
	if msg == "" && s.status == steps.Running {
		msg = "working…"
	}
	text := installPad(msg, w-2)
	if s.status == steps.Failed {
		return "  " + p.fail.on(text)
	}
	return "  " + p.subtle.on(text)
}

// moreRow sums up the steps scrolled out of a lane: "✓ 6 done 12s" above,
// "· 5 more" below.
func (m installModel) moreRow(hidden []installStep, w int, above, narrow bool) string {
	p := m.paints()
	var ok, pending, skipped int
	for _, s := range hidden {
		switch s.status {
		case steps.Passed:
			ok++
		case "":
			pending++
		case steps.Skipped:
			skipped++
		}
	}
	var text, glyph string
	switch n := len(hidden); {
	case above && ok == n:
		glyph, text = m.glyphs.ok, fmt.Sprintf("%d done", n)
	case above:
		glyph, text = m.glyphs.pending, fmt.Sprintf("%d earlier", n)
	case pending == n:
		glyph, text = m.glyphs.pending, fmt.Sprintf("%d more", n)
	case skipped == n:
		glyph, text = m.glyphs.skip, fmt.Sprintf("%d skipped", n)
	default:
		glyph, text = m.glyphs.pending, fmt.Sprintf("%d more", n)
	}
	indent := ""
	if !narrow {
		indent = "  "
	}
	return indent + glyph + " " + p.subtle.on(installPad(text, w-2-len(indent)))
}

// statusGlyph is the styled mark of a final status.
func (m installModel) statusGlyph(st steps.Status) string {
	switch st {
	case steps.Passed:
		return m.glyphs.ok
	case steps.Warned:
		return m.glyphs.warn
	case steps.Failed:
		return m.glyphs.fail
	case steps.Skipped:
		return m.glyphs.skip
	case steps.Noted:
		return m.glyphs.note
	}
	return m.glyphs.pending
}

// stacked draws the lanes one under the other, full width. Each lane gets
// its header (with the running step when no row is left for it) and as many
// step rows as the height allows; lanes with work under way come first
// when rows are handed out.
func (m installModel) stacked(avail int) []string {
	n := len(m.lanes)
	rows := make([]int, n) // step rows per lane; -1: unlimited
	switch {
	case avail <= 0:
		for i := range rows {
			rows[i] = -1
		}
	default:
		shown := min(n, avail)
		if shown < n { // not even a header each: the last line says how many are left out
			shown = max(avail-1, 0)
		}
		left := avail - shown
		if shown < n {
			left = 0
		}
		want := func(i int) int { return len(m.lanes[i].steps) + 0 }
		need := 0
		for i := range shown {
			need += want(i)
		}
		if need <= left {
			for i := range shown {
				rows[i] = want(i)
			}
		} else {
			share := left / max(shown, 1)
			for i := range shown {
				rows[i] = min(want(i), share)
				left -= rows[i]
			}
			for pass := 0; pass < 2 && left > 0; pass++ { // busy lanes first, then the rest
				for i := range shown {
					busy := m.lanes[i].running() >= 0 || m.failedIn(i)
					if (pass == 0) != busy || left == 0 {
						continue
					}
					extra := min(want(i)-rows[i], left)
					rows[i] += extra
					left -= extra
				}
			}
		}
		for i := shown; i < n; i++ {
			rows[i] = -2 // not drawn
		}
	}
	var lines []string
	hidden := 0
	for i, l := range m.lanes {
		if rows[i] == -2 {
			hidden++
			continue
		}
		lines = append(lines, m.stackedHeader(l, rows[i] == 0))
		if rows[i] != 0 {
			lines = append(lines, m.laneRows(l, m.width, max(rows[i], 0), false)...)
		}
	}
	if hidden > 0 {
		lines = append(lines, m.paints().subtle.on(fmt.Sprintf("… %s more: d shows every step", plural(hidden, "cluster"))))
	}
	return lines
}

// failedIn reports whether lane i has a failed step.
func (m installModel) failedIn(i int) bool {
	_, f, _ := m.lanes[i].counts()
	return f > 0
}

// stackedHeader is a full-width lane header: name, role, count and, when
// the lane has no rows, its focus step.
func (m installModel) stackedHeader(l installLane, alone bool) string {
	p := m.paints()
	finished, failed, _ := l.counts()
	var glyph string
	switch {
	case failed > 0:
		glyph = m.glyphs.fail
	case l.running() >= 0:
		glyph = m.spin()
	case finished == len(l.steps) && len(l.steps) > 0:
		glyph = m.glyphs.ok
	default:
		glyph = m.glyphs.pending
	}
	text := l.name
	if l.role != "" {
		text += " · " + l.role
	}
	count := fmt.Sprintf(" %d/%d", finished, len(l.steps))
	if !alone {
		return glyph + " " + p.title.on(installClip(text, m.width-2-len(count))) + p.subtle.on(count)
	}
	f := l.focus()
	if f < 0 {
		return glyph + " " + p.title.on(installClip(text, m.width-2-len(count))) + p.subtle.on(count)
	}
	s := l.steps[f]
	what := s.label
	if s.message != "" && s.status != "" {
		what += ": " + s.message
	}
	text = installClip(text, max(m.width/2, 10))
	rest := m.width - 2 - installWidth(text) - len(count) - 2
	return glyph + " " + p.title.on(text) + p.subtle.on(count) + "  " + p.subtle.on(installClip(what, rest))
}

// spin is the spinner's frame: View renders it once into frame.
func (m installModel) spin() string {
	if m.frame != "" {
		return m.frame
	}
	return m.spinner.View()
}
