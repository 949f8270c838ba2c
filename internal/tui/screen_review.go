package tui

import (
	"bytes"
	"fmt"
	"path/filepath"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// reviewModel is the last screen before anything changes: every step of
// the plan per cluster, in order, with the mesh settings above them. s
// saves the mesh config (so `meshwiz setup --config` replays it), e exports
// the plan's manifests, enter asks for confirmation and starts the install.
type reviewModel struct {
	common
	spinner spinner.Model
	// The page-wise scroll keys; they work without taking room in the help.
	pageUp, pageDown, top, bottom key.Binding
	// The answers to the screen's questions.
	yes, no, cancel key.Binding

	plan    []steps.Step // install.Plan of the config, without clients
	planErr error        // the config is not complete: nothing to install

	width, height int
	offset        int // first line of the content drawn

	confirming bool               // "Apply N steps to M clusters? y/n"
	conflict   *reviewConflictMsg // the config file exists and differs: overwrite?
	busy       string             // what a running Cmd does: "saving …", "exporting …"
	lastSaved  []byte             // what this screen last wrote to s.configPath
	stale      bool               // the config changed since it was saved
	exported   int                // files written by the last export
	exportErr  error              // the last export failed
	saveErr    error              // the last save failed
}

func newReviewModel(c common) reviewModel {
	return reviewModel{
		common:   c,
		spinner:  spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.styles.Spinner)),
		pageUp:   key.NewBinding(key.WithKeys("pgup", "b")),
		pageDown: key.NewBinding(key.WithKeys("pgdown", "space", "f")),
		top:      key.NewBinding(key.WithKeys("home", "g")),
		bottom:   key.NewBinding(key.WithKeys("end", "G")),
		yes:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		no:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "no")),
		cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		width:    defaultWidth,
	}
}

// enter builds the plan of the config as the previous screens left it. It
// contacts nothing: install.Plan without clients only lays the steps out.
func (m reviewModel) enter(bool) (screenModel, tea.Cmd) {
	m.confirming, m.conflict = false, nil
	m.plan, m.planErr = nil, nil
	if m.s.cfg == nil {
		m.planErr = fmt.Errorf("no clusters are chosen")
	} else {
		m.plan, m.planErr = install.Plan(m.s.cfg, install.Env{})
		if m.lastSaved != nil {
			data, err := m.s.cfg.Marshal()
			m.stale = err != nil || !bytes.Equal(data, m.lastSaved)
		}
	}
	return m.clamp(), nil
}

// SetSize implements screenModel.
func (m reviewModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	return m.clamp()
}

// Keys implements screenModel.
func (m reviewModel) Keys() KeyMap {
	k := m.keys.none()
	switch {
	case m.confirming:
		// Only y applies; anything else is a no. q and esc do not leave
		// the screen while the question is open.
		k.Toggle = m.yes
		k.Toggle.SetHelp("y", "install")
		k.Next = m.no
		k.Next.SetKeys("n", "esc")
		k.Next.SetHelp("n/esc", "not now")
		return k
	case m.conflict != nil:
		k.Toggle = m.yes
		k.Toggle.SetHelp("y", "overwrite")
		k.Next = m.no
		k.Next.SetHelp("n", "save as "+filepath.Base(m.conflict.alt))
		k.Retry = m.cancel
		return k
	}
	enable(&k.Back, &k.Quit)
	scrollable := m.maxOffset() > 0
	installScrollKeys(&k, scrollable)
	if m.busy == "" && m.s.cfg != nil {
		enable(&k.Save)
		if m.planErr == nil {
			enable(&k.Export, &k.Next)
		}
	}
	k.Next.SetHelp("enter", "install")
	return k
}

// Update implements screenModel.
func (m reviewModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.key(msg)
	case reviewSavedMsg:
		return m.saved(msg)
	case reviewConflictMsg:
		m.busy = ""
		m.conflict = &msg
		return m, nil
	case reviewExportedMsg:
		m.busy = ""
		m.exportErr = msg.err
		if msg.err != nil {
			return m.clamp(), status("Exporting the plan failed: " + msg.err.Error())
		}
		m.exported = len(msg.files)
		m.s.exportDir = msg.dir
		return m.clamp(), status(fmt.Sprintf("Exported the plan: %s in %s", plural(len(msg.files), "file"), msg.dir))
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = spin(m.spinner, msg, m.busy != "")
		return m, cmd
	}
	return m, nil
}

// key handles the screen's keys; esc, q and ctrl+c are the root's unless a
// question is open.
func (m reviewModel) key(msg tea.KeyPressMsg) (screenModel, tea.Cmd) {
	k := m.Keys()
	switch {
	case m.confirming:
		m.confirming = false
		if key.Matches(msg, m.yes) {
			return m, next
		}
		return m.clamp(), status("Nothing was applied.")
	case m.conflict != nil:
		c := *m.conflict
		switch {
		case key.Matches(msg, m.yes):
			m.conflict = nil
			return m.save(c.path, c.data, true)
		case key.Matches(msg, m.no):
			m.conflict = nil
			return m.save(c.alt, c.data, false)
		case key.Matches(msg, m.cancel):
			m.conflict = nil
			return m.clamp(), status("The mesh config was not saved.")
		}
		return m, nil
	case key.Matches(msg, m.keys.Up):
		m.offset--
	case key.Matches(msg, m.keys.Down):
		m.offset++
	case key.Matches(msg, m.pageUp):
		m.offset -= max(m.contentHeight()-1, 1)
	case key.Matches(msg, m.pageDown):
		m.offset += max(m.contentHeight()-1, 1)
	case key.Matches(msg, m.top):
		m.offset = 0
	case key.Matches(msg, m.bottom):
		m.offset = m.maxOffset()
	case key.Matches(msg, k.Save):
		data, err := m.s.cfg.Marshal()
		if err != nil {
			return m, status("Writing the mesh config failed: " + err.Error())
		}
		return m.save(m.savePath(), data, false)
	case key.Matches(msg, k.Export):
		m.busy = "exporting the plan's manifests…"
		return m.clamp(), tea.Batch(reviewExport(installSnapshot(m.s.cfg), m.exportDir()), m.spinner.Tick)
	case key.Matches(msg, k.Next):
		m.confirming = true
		return m.clamp(), nil
	}
	return m.clamp(), nil
}

// save starts writing data to path in a Cmd; force overwrites a file that
// differs.
func (m reviewModel) save(path string, data []byte, force bool) (screenModel, tea.Cmd) {
	m.busy = "saving the mesh config…"
	return m.clamp(), tea.Batch(reviewSave(path, data, m.lastSaved, force), m.spinner.Tick)
}

// saved records where the config went.
func (m reviewModel) saved(msg reviewSavedMsg) (screenModel, tea.Cmd) {
	m.busy = ""
	m.saveErr = msg.err
	if msg.err != nil {
		return m.clamp(), status("Saving the mesh config failed: " + msg.err.Error())
	}
	m.s.configPath = msg.path
	m.lastSaved, m.stale = msg.data, false
	if msg.unchanged {
		return m.clamp(), status(msg.path + " already holds this mesh config.")
	}
	return m.clamp(), status("Saved the mesh config to " + msg.path)
}

// stepCount is the number of steps of the plan.
func (m reviewModel) stepCount() int { return len(m.plan) }
