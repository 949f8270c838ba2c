package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// summaryModel is the last screen of the setup: what was installed where,
// how to verify it, where the config and the certificates are, and how to
// undo it. Enter or q quits; the frame stays in the scrollback.
type summaryModel struct {
	common
	pageUp, pageDown key.Binding
	width, height    int
	offset           int // first line of the content drawn
}

func newSummaryModel(c common) summaryModel {
	return summaryModel{
		common:   c,
		pageUp:   key.NewBinding(key.WithKeys("pgup", "b")),
		pageDown: key.NewBinding(key.WithKeys("pgdown", "space", "f")),
		width:    defaultWidth,
	}
}

// enter shows the summary from its top.
func (m summaryModel) enter(bool) (screenModel, tea.Cmd) {
	m.offset = 0
	return m, nil
}

// SetSize implements screenModel.
func (m summaryModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	return m.clamp()
}

// Keys implements screenModel: enter quits as q does (the root quits on
// Quit, keeping the frame in the scrollback).
func (m summaryModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back)
	k.Quit = key.NewBinding(key.WithKeys("enter", "q"), key.WithHelp("enter/q", "quit"))
	scrollable := m.maxOffset() > 0
	installScrollKeys(&k, scrollable)
	return k
}

// Update implements screenModel.
func (m summaryModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	press, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(press, m.keys.Up):
		m.offset--
	case key.Matches(press, m.keys.Down):
		m.offset++
	case key.Matches(press, m.pageUp):
		m.offset -= max(m.contentHeight()-1, 1)
	case key.Matches(press, m.pageDown):
		m.offset += max(m.contentHeight()-1, 1)
	}
	return m.clamp(), nil
}
