package tui

// Helpers for the huh forms of the topology and security screens: the theme
// built from Styles, the key map, the tagging of a form's Cmds and the
// bookkeeping of which field has focus.

import (
	"reflect"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

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

// topologyNewForm builds a one-group form of fields in the wizard's look,
// without huh's help line and error lines (the screen draws its own).
func topologyNewForm(st Styles, width, height int, fields []topologyField) *huh.Form {
	hf := make([]huh.Field, len(fields))
	for i, f := range fields {
		hf[i] = f.field
	}
	f := huh.NewForm(huh.NewGroup(hf...)).
		WithTheme(topologyHuhTheme(st)).
		WithKeyMap(topologyHuhKeyMap()).
		WithShowHelp(false).
		WithShowErrors(false)
	if width > 0 {
		f = f.WithWidth(width)
	}
	if height > 0 {
		f = f.WithHeight(height)
	}
	return f
}

// topologyStartForm initialises f with the focus on field index focus and
// returns the Cmds that does (cursor blink, field updates).
func topologyStartForm(f *huh.Form, focus int) tea.Cmd {
	cmds := []tea.Cmd{f.Init()}
	for range focus {
		cmds = append(cmds, f.NextField())
	}
	return tea.Batch(cmds...)
}

// topologyFocused returns the index of the field of fields that has focus
// in f, or -1.
func topologyFocused(f *huh.Form, fields []topologyField) int {
	if f == nil {
		return -1
	}
	cur := f.GetFocusedField()
	for i, fl := range fields {
		if fl.field == cur {
			return i
		}
	}
	return -1
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

// topologyTagCmd wraps every message cmd produces with wrap, descending
// into batches and sequences, so that a form gets back only the messages of
// its own Cmds (the root sends every other message to every screen, and
// huh's navigation messages carry no form identity). Bubble Tea's own
// messages (window size requests, batches) pass through as they are.
func topologyTagCmd(cmd tea.Cmd, wrap func(tea.Msg) tea.Msg) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if msg == nil {
			return nil
		}
		if batch, ok := msg.(tea.BatchMsg); ok {
			out := make(tea.BatchMsg, len(batch))
			for i, c := range batch {
				out[i] = topologyTagCmd(c, wrap)
			}
			return out
		}
		if seq, ok := topologyCmdSlice(msg); ok {
			var out []tea.Cmd
			for _, c := range seq {
				if c != nil {
					out = append(out, topologyTagCmd(c, wrap))
				}
			}
			if len(out) == 0 {
				return nil
			}
			return tea.Sequence(out...)()
		}
		if reflect.TypeOf(msg).PkgPath() == teaPkgPath {
			return msg
		}
		return wrap(msg)
	}
}

var teaPkgPath = reflect.TypeFor[tea.BatchMsg]().PkgPath()

// topologyCmdSlice recognises Bubble Tea's unexported sequence message (a
// slice of Cmds).
func topologyCmdSlice(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}

// topologyTrimBlank drops the blank lines at the end of a form's view (its
// viewport pads to its height).
func topologyTrimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
