package tui

// The root's frame: the header, the active screen or the error state, the
// status and help lines, and the text helpers every screen uses.

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// View draws the header, the active screen (or the error state), the status
// line and the help line. The help line is left out of the final frame,
// which stays in the scrollback.
func (m Model) View() tea.View {
	if m.printed {
		return tea.NewView("")
	}
	body, keys := m.errorView(), m.errorKeys()
	if m.err == nil {
		body = m.screens[m.screen].View()
		keys = m.screens[m.screen].Keys()
	}
	var b strings.Builder
	b.WriteString(fit(m.header(), m.width))
	b.WriteString("\n")
	b.WriteString(strings.TrimRight(body, "\n"))
	b.WriteString("\n\n")
	b.WriteString(fit(m.styles.Status.Render(m.status), m.width))
	if !m.quitting {
		b.WriteString("\n")
		b.WriteString(fit(m.help.View(keys), m.width)) // help appends an item even when "…" does not fit
	}
	v := tea.NewView(b.String())
	v.WindowTitle = "meshwiz"
	return v
}

// header is the line above every screen: where the user is in the flow.
func (m Model) header() string {
	st := m.styles
	if m.screen == screenStart {
		return st.Title.Render("meshwiz") + st.Subtle.Render(" · multi-cluster Istio, safely")
	}
	seq := flows[m.s.flow]
	return st.Title.Render("meshwiz") + st.Subtle.Render(fmt.Sprintf(" · %s · step %d of %d: ", m.s.flow, m.pos, len(seq)-1)) +
		st.Title.Render(screenNames[m.screen])
}

// errorView renders the error state.
func (m Model) errorView() string {
	if m.err == nil {
		return ""
	}
	s := m.styles
	lines := []string{s.Fail.Render(GlyphFail) + " " + s.Title.Render(m.err.op+" failed"), ""}
	lines = append(lines, wrap(m.err.err.Error(), m.width)...)
	if m.err.hint != "" {
		lines = append(lines, "")
		lines = append(lines, wrap(s.Subtle.Render("hint: ")+m.err.hint, m.width)...)
	}
	lines = append(lines, "", s.Subtle.Render("Press q to quit."))
	return strings.Join(lines, "\n")
}

// errorKeys are the bindings of the error state: only quitting.
func (m Model) errorKeys() KeyMap {
	k := m.keys.none()
	enable(&k.Quit)
	return k
}

// fitFrame joins the lines of a screen's frame, each fitted to width
// cells and no more than height of them (height 0: unknown, all).
func fitFrame(lines []string, width, height int) string {
	for i := range lines {
		lines[i] = fit(lines[i], width)
	}
	if height > 0 && len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// fit truncates a one-line string to width cells.
func fit(s string, width int) string {
	return ansi.Truncate(s, width, "…")
}

// wrap word-wraps s to width cells and returns its lines.
func wrap(s string, width int) []string {
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}

// plural returns "1 cluster", "2 clusters".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
