package tui

import tea "charm.land/bubbletea/v2"

// topologyModel is a placeholder until the topology screen is built.
type topologyModel struct {
	common
}

func newTopologyModel(c common) topologyModel { return topologyModel{common: c} }

func (m topologyModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m topologyModel) SetSize(int, int) screenModel { return m }

func (m topologyModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m topologyModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m topologyModel) View() string { return "The topology screen is coming." }
