package tui

// The lanes of the install screen: side by side when the width allows,
// stacked and compacted around the running or failed step otherwise.

import (
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/steps"
)

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
