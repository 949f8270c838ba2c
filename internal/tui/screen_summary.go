package tui

import tea "charm.land/bubbletea/v2"

// summaryModel is a placeholder until the summary screen is built.
type summaryModel struct {
	common
}

func newSummaryModel(c common) summaryModel { return summaryModel{common: c} }

func (m summaryModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m summaryModel) SetSize(int, int) screenModel { return m }

func (m summaryModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m summaryModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m summaryModel) View() string { return "The summary screen is coming." }
