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

	verify    verifyModel // the last verify run (v)
	verifying bool        // verify is shown instead of the summary
}

func newSummaryModel(c common) summaryModel {
	return summaryModel{
		common:   c,
		pageUp:   key.NewBinding(key.WithKeys("pgup", "b")),
		pageDown: key.NewBinding(key.WithKeys("pgdown", "space", "f")),
		width:    defaultWidth,
		verify:   verifyModel{common: c},
	}
}

// enter shows the summary from its top.
func (m summaryModel) enter(bool) (screenModel, tea.Cmd) {
	m.offset, m.verifying = 0, false
	return m, nil
}

// leave implements leaver: a verify still running stops with the screen.
func (m summaryModel) leave() screenModel {
	m.verify, m.verifying = m.verify.stop(), false
	return m
}

// canVerify says whether there is a mesh to verify: an install ran.
func (m summaryModel) canVerify() bool {
	return m.s.cfg != nil && m.s.installed != nil && len(m.s.clients) > 0
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
	switch {
	case m.verifying: // esc closes verify (the screen handles it), enter does nothing
		k.Rerun, k.Details, k.Next = verifyAgainKey, verifySampleKey, verifyCloseKey
		enable(&k.Quit)
	default:
		enable(&k.Back)
		k.Quit = key.NewBinding(key.WithKeys("enter", "q"), key.WithHelp("enter/q", "quit"))
		if m.canVerify() {
			k.Rerun = verifyKey
		}
	}
	scrollable := m.maxOffset() > 0
	installScrollKeys(&k, scrollable)
	return k
}

// Update implements screenModel.
func (m summaryModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	press, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		m.verify, cmd = m.verify.Update(msg)
		return m.clamp(), cmd
	}
	switch {
	case m.canVerify() && key.Matches(press, verifyKey):
		var cmd tea.Cmd
		m.verify, cmd = m.verify.start(false)
		m.verifying, m.offset = true, 0
		return m, cmd
	case m.verifying && key.Matches(press, verifySampleKey):
		var cmd tea.Cmd
		m.verify, cmd = m.verify.start(true)
		m.offset = 0
		return m, cmd
	case m.verifying && key.Matches(press, verifyCloseKey):
		m.verify, m.verifying, m.offset = m.verify.stop(), false, 0
		return m, nil
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
