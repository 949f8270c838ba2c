package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
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
			if s.cut() {
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
