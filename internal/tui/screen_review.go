package tui

import tea "charm.land/bubbletea/v2"

// reviewModel is a placeholder until the review screen is built.
type reviewModel struct {
	common
}

func newReviewModel(c common) reviewModel { return reviewModel{common: c} }

func (m reviewModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m reviewModel) SetSize(int, int) screenModel { return m }

func (m reviewModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m reviewModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m reviewModel) View() string { return "The review screen is coming." }
