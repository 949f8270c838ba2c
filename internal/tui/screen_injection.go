package tui

import tea "charm.land/bubbletea/v2"

// injectionModel is a placeholder until the injection screen is built.
type injectionModel struct {
	common
}

func newInjectionModel(c common) injectionModel { return injectionModel{common: c} }

func (m injectionModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m injectionModel) SetSize(int, int) screenModel { return m }

func (m injectionModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m injectionModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m injectionModel) View() string { return "The injection screen is coming." }
