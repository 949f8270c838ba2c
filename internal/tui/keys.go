package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the wizard. Screens enable the bindings
// that apply to their current state (see contextsModel.Keys); disabled
// bindings neither match nor show in the help line, so the help always says
// what the keys do right now.
//
// The root model handles Back, Quit and Interrupt only when the active
// screen's KeyMap has them enabled; a screen that needs those keys itself
// (a text input typing "q", the install screen asking before ctrl+c
// cancels) disables them and gets the key press.
type KeyMap struct {
	// Up and Down move the cursor; Left and Right move between columns or
	// options.
	Up, Down, Left, Right key.Binding
	// Toggle selects or unselects the row under the cursor.
	Toggle key.Binding
	// Refresh re-reads the kubeconfig and probes every context again.
	Refresh key.Binding
	// Rerun runs the checks again; Retry retries a failed install lane.
	Rerun, Retry key.Binding
	// Ack acknowledges the warnings of the checks screen.
	Ack key.Binding
	// Loopback accepts loopback API server addresses (clusters on this
	// machine only) and re-runs the checks.
	Loopback key.Binding
	// Details shows or hides the details (hints, the overlap matrix).
	Details key.Binding
	// Save writes the mesh config; Export writes the plan's manifests.
	Save, Export key.Binding
	// Next confirms the screen and moves on; Back returns to the previous
	// screen, keeping what was entered.
	Next, Back key.Binding
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
		Left:      key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:     key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		Toggle:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		Refresh:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-probe")),
		Rerun:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-run")),
		Retry:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		Ack:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "accept warnings")),
		Loopback:  key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "accept loopback servers")),
		Details:   key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "details")),
		Save:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save config")),
		Export:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export plan")),
		Next:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "abort")),
	}
}

// ShortHelp returns the bindings shown in the help line. Disabled bindings
// are skipped by help.Model. Interrupt is left out: ctrl+c needs no
// introduction.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Left, k.Right, k.Toggle, k.Refresh, k.Rerun, k.Retry, k.Ack, k.Loopback,
		k.Details, k.Save, k.Export, k.Next, k.Back, k.Quit}
}

// FullHelp returns the bindings grouped in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Left, k.Right}, {k.Toggle, k.Refresh, k.Rerun, k.Retry, k.Ack, k.Loopback},
		{k.Details, k.Save, k.Export}, {k.Next, k.Back, k.Quit, k.Interrupt}}
}

// none returns k with every binding disabled except Interrupt, which the
// root handles unless a screen disables it. Screens start from it and
// enable what they handle, so that a new binding never shows up on a screen
// that does not handle it:
//
//	k := m.keys.none()
//	enable(&k.Up, &k.Down, &k.Next, &k.Back, &k.Quit)
func (k KeyMap) none() KeyMap {
	for _, b := range k.all() {
		b.SetEnabled(false)
	}
	k.Interrupt.SetEnabled(true)
	return k
}

// all returns pointers to every binding of k.
func (k *KeyMap) all() []*key.Binding {
	return []*key.Binding{&k.Up, &k.Down, &k.Left, &k.Right, &k.Toggle, &k.Refresh, &k.Rerun, &k.Retry, &k.Ack,
		&k.Loopback, &k.Details, &k.Save, &k.Export, &k.Next, &k.Back, &k.Quit, &k.Interrupt}
}

// enable enables the given bindings.
func enable(bs ...*key.Binding) {
	for _, b := range bs {
		b.SetEnabled(true)
	}
}
