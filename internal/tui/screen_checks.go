package tui

import tea "charm.land/bubbletea/v2"

// checksModel is a placeholder until the checks screen is built.
type checksModel struct {
	common
}

func newChecksModel(c common) checksModel { return checksModel{common: c} }

func (m checksModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m checksModel) SetSize(int, int) screenModel { return m }

func (m checksModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m checksModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m checksModel) View() string { return "The checks screen is coming." }
