package tui

import (
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// The install screen's details (d): every step of every lane in full, with
// its message and, for failures and warnings, the hint; scrollable.

// installDetailsChrome is the title, the blank line under it and the
// scroll line at the bottom.
const installDetailsChrome = 3

// detailLines renders every step in full, wrapped to the width.
func (m installModel) detailLines() []string {
	p := m.paints()
	var lines []string
	for i, l := range m.lanes {
		if i > 0 {
			lines = append(lines, "")
		}
		hdr := l.name
		if l.role != "" {
			hdr += " · " + l.role
		}
		lines = append(lines, p.title.on(hdr))
		for _, s := range l.steps {
			glyph := m.glyphs.pending
			dur := ""
			switch {
			case s.status == steps.Running:
				glyph = m.spin()
			case s.final():
				glyph = m.statusGlyph(s.status)
				dur = "  " + p.subtle.on(installDuration(s.took))
			}
			lines = append(lines, installWrapIndent("  "+glyph+" "+s.title+dur, m.width, "    ")...)
			if s.message != "" {
				lines = append(lines, installWrapIndent("    "+p.subtle.on(s.message), m.width, "    ")...)
			}
			if s.hint != "" && (s.status == steps.Failed || s.status == steps.Warned) {
				lines = append(lines, installWrapIndent("    "+p.subtle.on("hint: ")+s.hint, m.width, "    ")...)
			}
		}
	}
	return lines
}

// installWrapIndent wraps s to width, indenting the continuation lines.
func installWrapIndent(s string, width int, indent string) []string {
	lines := wrap(s, width)
	if len(lines) == 1 {
		return lines
	}
	out := []string{lines[0]}
	rest := strings.Join(lines[1:], " ")
	return append(out, installWrapPrefixed(rest, width, indent)...)
}

// installWrapPrefixed wraps s to width with every line starting with indent.
func installWrapPrefixed(s string, width int, indent string) []string {
	lines := wrap(s, max(width-len(indent), 10))
	for i := range lines {
		lines[i] = indent + lines[i]
	}
	return lines
}

// detailHeight is the number of detail lines drawn.
func (m installModel) detailHeight() int {
	if m.height <= 0 {
		return len(m.detailLines())
	}
	return max(m.height-installDetailsChrome, 1)
}

// maxDetailOffset is the largest useful scroll offset of the details.
func (m installModel) maxDetailOffset() int {
	if !m.details {
		return 0
	}
	return max(len(m.detailLines())-m.detailHeight(), 0)
}

// clampDetails keeps the details' offset within them.
func (m installModel) clampDetails() installModel {
	m.offset = max(min(m.offset, m.maxDetailOffset()), 0)
	return m
}

// detailsView draws the details at the offset.
func (m installModel) detailsView() string {
	p := m.paints()
	all := m.detailLines()
	shown := all
	if h := m.detailHeight(); h < len(all) {
		shown = all[m.offset:min(m.offset+h, len(all))]
	}
	lines := []string{p.title.on(installClip("Every step, cluster by cluster", m.width)), ""}
	for _, l := range shown {
		lines = append(lines, fit(l, m.width))
	}
	info := fmt.Sprintf("%d/%d steps finished", m.finished, m.total)
	if len(shown) < len(all) {
		info += fmt.Sprintf(" · lines %d–%d of %d · ↑/↓ pgup/pgdn scroll", m.offset+1, m.offset+len(shown), len(all))
	}
	lines = append(lines, p.subtle.on(installClip(info, m.width)))
	return strings.Join(lines, "\n")
}
