package tui

import tea "charm.land/bubbletea/v2"

// installModel is a placeholder until the install screen is built.
type installModel struct {
	common
}

func newInstallModel(c common) installModel { return installModel{common: c} }

func (m installModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m installModel) SetSize(int, int) screenModel { return m }

func (m installModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m installModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m installModel) View() string { return "The install screen is coming." }
