package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// startChoice is one entry of the start screen.
type startChoice struct {
	flow  flow
	title string
	about string
}

var startChoices = []startChoice{
	{flowSetup, "Guided setup", "Join two or more clusters into one Istio mesh: checks first, then a reviewed, live install."},
	{flowDiagnostics, "Diagnostics", "Run every multi-cluster prerequisite check and see what would break an install. Changes nothing."},
	{flowTeardown, "Teardown", "Find what a mesh left in each cluster, see what will break, and remove it in a safe order."},
}

// startModel is the front door: the three flows.
type startModel struct {
	common
	cursor int
	width  int
}

func newStartModel(c common) startModel { return startModel{common: c, width: defaultWidth} }

func (m startModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m startModel) SetSize(width, _ int) screenModel {
	m.width = width
	return m
}

func (m startModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Up, &k.Down, &k.Quit)
	k.Next = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start"))
	return k
}

func (m startModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	press, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	k := m.Keys()
	switch {
	case key.Matches(press, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(press, k.Down):
		m.cursor = min(m.cursor+1, len(startChoices)-1)
	case key.Matches(press, k.Next):
		f := startChoices[m.cursor].flow
		return m, func() tea.Msg { return startFlowMsg{flow: f} }
	default:
		for i, c := range startChoices { // 1, 2, 3 pick directly
			if press.String() == string(rune('1'+i)) {
				return m, func() tea.Msg { return startFlowMsg{flow: c.flow} }
			}
		}
	}
	return m, nil
}

func (m startModel) View() string {
	st := m.styles
	lines := []string{"", st.Title.Render("What do you want to do?"), ""}
	for i, c := range startChoices {
		cursor := "  "
		title := c.title
		if i == m.cursor {
			cursor = st.Cursor.Render("› ")
			title = st.Title.Render(title)
		}
		lines = append(lines, cursor+string(rune('1'+i))+". "+title)
		for _, l := range wrap(c.about, max(m.width-5, 20)) {
			lines = append(lines, "     "+st.Subtle.Render(l))
		}
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
