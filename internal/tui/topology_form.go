package tui

// Helpers for the huh forms of the topology and security screens (each a
// formPage): the fields and their engine paths, the theme built from
// Styles, huh's key map and the help of the focused field.

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// topologyFieldKind says how a form field is driven, for the help line.
type topologyFieldKind int

const (
	topologyInput  topologyFieldKind = iota // a text input: q types, so it does not quit
	topologySelect                          // a vertical select: ↑/↓
	topologyInline                          // an inline select: ←/→
)

// topologyField is one field of a page form and the mesh config fields
// whose errors belong to it.
type topologyField struct {
	field huh.Field
	kind  topologyFieldKind
	// label names the field in error lines: "name", "mesh ID".
	label string
	// match reports whether a FieldError's Field belongs to this input.
	match func(path string) bool
}

// topologyPath returns a match func for the mesh config field path and its
// sub-fields ("clusters[0].name", "security.ca").
func topologyPath(paths ...string) func(string) bool {
	return func(p string) bool {
		for _, want := range paths {
			if p == want || strings.HasPrefix(p, want+".") || strings.HasPrefix(p, want+"[") {
				return true
			}
		}
		return false
	}
}

// topologyFieldError is the engine's message for a field, without the
// field path (the form says which field it is).
func topologyFieldError(e *mesh.FieldError) string {
	if e.Fix == "" {
		return e.Problem
	}
	return e.Problem + " (" + e.Fix + ")"
}

// topologyFieldErr returns the first of errs that matches, as an error for
// huh's validation, or nil.
func topologyFieldErr(errs []*mesh.FieldError, match func(string) bool) error {
	for _, e := range errs {
		if match(e.Field) {
			return topologyMessageError(topologyFieldError(e))
		}
	}
	return nil
}

// topologyMessageError is a validation error carrying the engine's message.
type topologyMessageError string

func (e topologyMessageError) Error() string { return string(e) }

// topologyHuhTheme builds huh's styles from the wizard's, so that forms
// look like the rest of the wizard and follow NO_COLOR with it.
func topologyHuhTheme(st Styles) huh.Theme {
	return huh.ThemeFunc(func(bool) *huh.Styles {
		t := huh.ThemeBase(false)
		accent := st.Cursor.GetForeground()
		t.Focused.Base = lipgloss.NewStyle().PaddingLeft(1).BorderStyle(lipgloss.ThickBorder()).BorderLeft(true).
			BorderForeground(accent)
		t.Focused.Card = t.Focused.Base
		t.Focused.Title = st.Title
		t.Focused.NoteTitle = st.Title
		t.Focused.Description = st.Subtle
		t.Focused.ErrorIndicator = st.Fail.SetString(" " + GlyphFail)
		t.Focused.ErrorMessage = st.Fail
		t.Focused.SelectSelector = st.Cursor.SetString("› ")
		t.Focused.SelectedOption = st.Title
		t.Focused.UnselectedOption = lipgloss.NewStyle()
		t.Focused.Option = lipgloss.NewStyle()
		t.Focused.NextIndicator = st.Cursor.MarginLeft(1).SetString("→")
		t.Focused.PrevIndicator = st.Cursor.MarginRight(1).SetString("←")
		t.Focused.TextInput.Cursor = st.Cursor
		t.Focused.TextInput.Prompt = st.Cursor
		t.Focused.TextInput.Placeholder = st.Subtle
		t.Focused.TextInput.Text = lipgloss.NewStyle()

		t.Blurred = t.Focused
		t.Blurred.Base = t.Focused.Base.BorderStyle(lipgloss.HiddenBorder())
		t.Blurred.Card = t.Blurred.Base
		t.Blurred.Title = lipgloss.NewStyle()
		t.Blurred.NoteTitle = lipgloss.NewStyle()
		t.Blurred.SelectSelector = lipgloss.NewStyle().SetString("  ")
		t.Blurred.SelectedOption = lipgloss.NewStyle()
		t.Blurred.NextIndicator = lipgloss.NewStyle()
		t.Blurred.PrevIndicator = lipgloss.NewStyle()
		t.Blurred.TextInput.Prompt = st.Subtle
		t.Help = st.Help
		return t
	})
}

// topologyHuhKeyMap is huh's key map without the keys the wizard handles:
// ctrl+c (the root's), filtering selects ("/" would make q and esc type)
// and completing suggestions.
func topologyHuhKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit.SetEnabled(false)
	km.Select.Filter.SetEnabled(false)
	km.MultiSelect.Filter.SetEnabled(false)
	km.Input.AcceptSuggestion.SetEnabled(false)
	return km
}

// topologyFiltering reports whether a select field is filtering (typing).
func topologyFiltering(f huh.Field) bool {
	fl, ok := f.(interface{ GetFiltering() bool })
	return ok && fl.GetFiltering()
}

// topologyFormKeys sets the help of the bindings a form uses on k: how to
// choose in a select, move back a field and go on. Quit is enabled only
// when no text input has focus (there q types); Back (esc, handled by the
// root) whenever esc is not the form's. last says whether enter leaves the
// screen.
func topologyFormKeys(k KeyMap, kind topologyFieldKind, filtering, canPrev, last bool) KeyMap {
	switch {
	case filtering:
	case kind == topologySelect:
		k.Up = key.NewBinding(key.WithKeys("up", "k", "down", "j"), key.WithHelp("↑/↓", "choose"))
	case kind == topologyInline:
		k.Left = key.NewBinding(key.WithKeys("left", "h", "right", "l"), key.WithHelp("←/→", "choose"))
	}
	if canPrev {
		// Rerun's slot, which no form screen uses, carries shift+tab's help.
		k.Rerun = key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous"))
	}
	if last {
		k.Next = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue"))
	} else {
		k.Next = key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "next field"))
	}
	k.Quit.SetEnabled(kind != topologyInput && !filtering)
	k.Back.SetEnabled(!filtering) // esc ends a filter then
	return k
}
