package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the wizard. Screens enable the bindings
// that apply to their current state (see contextsModel.keys); disabled
// bindings neither match nor show in the help line, so the help always says
// what the keys do right now.
type KeyMap struct {
	// Up and Down move the cursor.
	Up, Down key.Binding
	// Toggle selects or unselects the row under the cursor.
	Toggle key.Binding
	// Refresh re-reads the kubeconfig and probes every context again.
	Refresh key.Binding
	// Next confirms the screen and moves on.
	Next key.Binding
	// Quit leaves the wizard; Run returns nil.
	Quit key.Binding
	// Interrupt aborts the wizard; Run returns ErrAborted.
	Interrupt key.Binding
}

// DefaultKeyMap returns the wizard's key bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Toggle:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		Refresh:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-probe")),
		Next:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "abort")),
	}
}

// ShortHelp returns the bindings shown in the help line. Disabled bindings
// are skipped by help.Model. Interrupt is left out: ctrl+c needs no
// introduction.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Toggle, k.Refresh, k.Next, k.Quit}
}

// FullHelp returns the bindings grouped in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Toggle, k.Refresh, k.Next}, {k.Quit, k.Interrupt}}
}
