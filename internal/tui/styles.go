package tui

import (
	"io"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// Status glyphs. They are defined once here and shared by the TUI and the
// plain text reporter, so a finished step looks the same in both.
const (
	// GlyphOK marks a check or step that passed.
	GlyphOK = "✓"
	// GlyphWarn marks a warning: worth reading, never fatal.
	GlyphWarn = "!"
	// GlyphFail marks a failure.
	GlyphFail = "✗"
	// GlyphRetry marks a step that is being retried.
	GlyphRetry = "↻"
)

// Styles holds every style the TUI uses. Colours are the terminal's 16 ANSI
// colours, so they follow the user's theme on dark and light backgrounds alike;
// Bubble Tea downsamples or drops them to fit the colour profile (see
// colorProfile), and the glyphs carry the meaning without colour.
type Styles struct {
	// Title is the screen heading.
	Title lipgloss.Style
	// Subtle is secondary text: column headers, the kubeconfig path, hints.
	Subtle lipgloss.Style
	// Cursor is the marker of the row under the cursor.
	Cursor lipgloss.Style
	// Selected is the checkbox of a selected row.
	Selected lipgloss.Style
	// Current marks the kubeconfig's current context.
	Current lipgloss.Style
	// OK, Warn and Fail colour the status glyphs and their text.
	OK, Warn, Fail lipgloss.Style
	// Spinner is the probing spinner.
	Spinner lipgloss.Style
	// Status is the status line above the help.
	Status lipgloss.Style
	// Help styles the key help at the bottom.
	Help help.Styles
}

// DefaultStyles returns the TUI's styles.
func DefaultStyles() Styles {
	subtle := lipgloss.NewStyle().Faint(true)
	return Styles{
		Title:    lipgloss.NewStyle().Bold(true),
		Subtle:   subtle,
		Cursor:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Cyan),
		Selected: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Cyan),
		Current:  lipgloss.NewStyle().Bold(true),
		OK:       lipgloss.NewStyle().Foreground(lipgloss.Green),
		Warn:     lipgloss.NewStyle().Foreground(lipgloss.Yellow),
		Fail:     lipgloss.NewStyle().Foreground(lipgloss.Red),
		Spinner:  lipgloss.NewStyle().Foreground(lipgloss.Cyan),
		Status:   lipgloss.NewStyle().Bold(true),
		Help: help.Styles{
			ShortKey:       lipgloss.NewStyle().Bold(true),
			ShortDesc:      subtle,
			ShortSeparator: subtle,
			Ellipsis:       subtle,
			FullKey:        lipgloss.NewStyle().Bold(true),
			FullDesc:       subtle,
			FullSeparator:  subtle,
		},
	}
}

// colorProfile picks the colour profile for output. colorprofile.Detect
// reads TERM, COLORTERM, CLICOLOR(_FORCE) and terminfo, but only honours
// NO_COLOR when its value parses as true; https://no-color.org says any
// non-empty value disables colour, so that rule is applied on top. The ASCII
// profile drops colours and keeps bold and faint, which the screens rely on
// for emphasis.
func colorProfile(output io.Writer, environ []string) colorprofile.Profile {
	p := colorprofile.Detect(output, environ)
	if noColor(environ) && p > colorprofile.ASCII {
		p = colorprofile.ASCII
	}
	return p
}

// noColor reports whether NO_COLOR is set to a non-empty value in environ.
func noColor(environ []string) bool {
	for i := len(environ) - 1; i >= 0; i-- { // the last entry wins, as in os/exec
		if v, ok := strings.CutPrefix(environ[i], "NO_COLOR="); ok {
			return v != ""
		}
	}
	return false
}
