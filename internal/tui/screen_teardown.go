package tui

import tea "charm.land/bubbletea/v2"

// teardownModel is a placeholder until the teardown screen is built.
type teardownModel struct {
	common
}

func newTeardownModel(c common) teardownModel { return teardownModel{common: c} }

func (m teardownModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m teardownModel) SetSize(int, int) screenModel { return m }

func (m teardownModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m teardownModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m teardownModel) View() string { return "The teardown screen is coming." }
