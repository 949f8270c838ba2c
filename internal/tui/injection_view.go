package tui

// The injection screen's view: the namespaces per cluster with their
// label, pods and choice, scrolled to the cursor, and the summary line.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// View implements screenModel.
func (m injectionModel) View() string {
	st := m.styles
	head := []string{st.Title.Render("Sidecar injection") + st.Subtle.Render(" · choose the namespaces whose pods join the mesh"), ""}
	lines, _ := m.listLines()
	if avail := m.listHeight(); avail > 0 && len(lines) > avail {
		lines = lines[m.offset:min(m.offset+avail, len(lines))]
	}
	out := append(head, lines...)
	out = append(out, "")
	out = append(out, wrap(m.summary(), m.width)...)
	return fitFrame(out, m.width, m.height)
}

// listHeight is the number of lines for the list (0: unknown).
func (m injectionModel) listHeight() int {
	if m.height <= 0 {
		return 0
	}
	return max(m.height-2-1-m.summaryLines(), 1)
}

func (m injectionModel) summaryLines() int { return len(wrap(m.summary(), m.width)) }

// scroll keeps the cursor's line in the window.
func (m injectionModel) scroll() injectionModel {
	if rows := m.rows(); m.cursor >= len(rows) {
		m.cursor = max(len(rows)-1, 0)
	}
	lines, cur := m.listLines()
	avail := m.listHeight()
	if avail <= 0 || len(lines) <= avail {
		m.offset = 0
		return m
	}
	if cur >= 0 {
		if cur < m.offset {
			m.offset = cur
			if cur > 0 && m.isHeader(lines, cur-1) {
				m.offset = cur - 1 // show the cluster's header with its first row
			}
		}
		if cur >= m.offset+avail {
			m.offset = cur - avail + 1
		}
	}
	m.offset = min(max(m.offset, 0), len(lines)-avail)
	return m
}

func (m injectionModel) isHeader(lines []string, i int) bool {
	return !strings.HasPrefix(ansi.Strip(lines[i]), " ")
}

// listLines renders every cluster: a header, then its rows or what
// happened; cur is the index of the cursor's line (-1: none).
func (m injectionModel) listLines() (lines []string, cur int) {
	st := m.styles
	cur = -1
	nameW := 12
	for _, c := range m.clusters {
		for _, ns := range c.namespaces {
			nameW = max(nameW, ansi.StringWidth(ns.name))
		}
	}
	nameW = min(nameW, max(m.width/3, 12))
	row := 0
	for _, c := range m.clusters {
		head := st.Title.Render(m.name(c.context))
		if m.name(c.context) != c.context {
			head += st.Subtle.Render(" · context " + c.context)
		}
		lines = append(lines, head)
		switch {
		case c.loading:
			lines = append(lines, "  "+m.spinner.View()+" "+st.Subtle.Render("listing namespaces and pods…"))
		case c.err != nil:
			lines = append(lines, m.errorLines(c)...)
		case len(c.namespaces) == 0:
			lines = append(lines, "  "+st.Subtle.Render("no namespaces of your own yet: label them later with kubectl label namespace NAME istio-injection=enabled"))
		}
		for _, ns := range c.namespaces {
			cursor, box := "  ", "[ ]"
			if row == m.cursor {
				cursor, cur = st.Cursor.Render("›")+" ", len(lines)
			}
			if m.chosen(c.context, ns.name) {
				box = st.Selected.Render("[x]")
			}
			line := "  " + cursor + box + " " + pad(truncateMiddle(ns.name, nameW), nameW) + "  " + injectionPods(ns)
			if l := injectionLabelText(ns.label); l != "" {
				line += st.Subtle.Render(" · " + l)
			}
			lines = append(lines, line)
			row++
		}
	}
	return lines, cur
}

// errorLines say why a cluster could not be listed and what going on means.
func (m injectionModel) errorLines(c injectionCluster) []string {
	st := m.styles
	text := c.err.Error()
	var ce *kube.ContextError
	hint := ""
	if errors.As(c.err, &ce) {
		_, text, hint = kube.Classify(ce.Err)
		text = ce.Op + ": " + text
	}
	var out []string
	for _, l := range wrap(st.Fail.Render(GlyphFail)+" "+text, m.width-2) {
		out = append(out, "  "+l)
	}
	if hint != "" {
		for _, l := range wrap(st.Subtle.Render("hint: "+hint), m.width-2) {
			out = append(out, "  "+l)
		}
	}
	return append(out, "  "+st.Subtle.Render("Going on leaves injection off in "+m.name(c.context)+"; r lists again."))
}

// injectionLabelText says what the namespace's injection label does.
func injectionLabelText(label string) string {
	switch {
	case label == "":
		return ""
	case label == "istio-injection=enabled":
		return "enabled already"
	case strings.HasPrefix(label, "istio-injection="):
		return "labelled " + strings.TrimPrefix(label, "istio-injection=")
	}
	return "labelled " + label
}

// injectionPods says how many of a namespace's pods need a restart.
func injectionPods(ns injectionNamespace) string {
	switch {
	case ns.pods == 0:
		return "no pods"
	case ns.restart == 0:
		return fmt.Sprintf("%s, all with a sidecar", plural(ns.pods, "pod"))
	case ns.restart == 1 && ns.pods == 1:
		return "1 pod needs a restart"
	}
	return fmt.Sprintf("%d of %s need a restart", ns.restart, plural(ns.pods, "pod"))
}

// summary counts the choice.
func (m injectionModel) summary() string {
	st := m.styles
	namespaces, restart := 0, 0
	clusters := map[string]bool{}
	for _, c := range m.clusters {
		for _, ns := range c.namespaces {
			if m.chosen(c.context, ns.name) {
				namespaces++
				restart += ns.restart
				clusters[c.context] = true
			}
		}
	}
	if namespaces == 0 && m.loading() {
		return st.Subtle.Render("Listing the namespaces of each cluster…")
	}
	if namespaces == 0 {
		return st.Subtle.Render("No namespace selected: the mesh is installed without sidecars; label namespaces later to add them.")
	}
	s := fmt.Sprintf("%s in %s selected", plural(namespaces, "namespace"), plural(len(clusters), "cluster"))
	if restart > 0 {
		s += fmt.Sprintf(" · %s to restart after the install (kubectl rollout restart)", plural(restart, "pod"))
	}
	return s
}
