package tui

import tea "charm.land/bubbletea/v2"

// securityModel is a placeholder until the security screen is built.
type securityModel struct {
	common
}

func newSecurityModel(c common) securityModel { return securityModel{common: c} }

func (m securityModel) enter(bool) (screenModel, tea.Cmd) { return m, nil }

func (m securityModel) SetSize(int, int) screenModel { return m }

func (m securityModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	return k
}

func (m securityModel) Update(tea.Msg) (screenModel, tea.Cmd) { return m, nil }

func (m securityModel) View() string { return "The security screen is coming." }
