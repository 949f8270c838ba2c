package tui

import (
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// formPage is one huh form of a screen (the security screen's, each page
// of the topology screen): it builds the form in the wizard's look, gives
// it the room the screen's notes leave, routes the form's own messages
// back to it, says which keys apply and draws it above the notes. A screen
// replaces its page to rebuild the form (new fields, another focus); the
// messages of a page it replaced are not this page's and are dropped.
type formPage struct {
	id     int64 // tells this page's messages from those of the pages it replaced
	form   *huh.Form
	fields []topologyField
	layout formLayout
	width  int
	height int // the screen's; 0: unknown, the form and the notes draw everything
}

// formLayout is the room a screen keeps under its form for notes: notes
// lines once the screen is tall lines high, a share of the height below.
type formLayout struct {
	notes, tall, share int
}

// formMsg carries a message of a page's own Cmds back to it. huh's
// navigation messages (next field, next group) carry no form identity, so
// the page wraps them with its own.
type formMsg struct {
	page int64
	msg  tea.Msg
}

// formPages numbers the pages of the wizard.
var formPages atomic.Int64

// newFormPage builds a one-group form of fields, without huh's help and
// error lines (the screen draws its own), with the focus on field focus,
// and returns the Cmd that starts it.
//
// huh's Form.Init returns a tea.Sequence, whose message type Bubble Tea
// does not export, so its parts could not be routed back to the page; they
// are the group's Init and a window-size request that the root answers
// anyway. The page therefore calls Form.Init for its effect (the group
// becomes active) and starts the group itself: every Cmd the page hands
// out yields a tea.BatchMsg or a plain message.
func newFormPage(st Styles, layout formLayout, width, height int, fields []topologyField, focus int) (formPage, tea.Cmd) {
	p := formPage{id: formPages.Add(1), fields: fields, layout: layout, width: width, height: height}
	hf := make([]huh.Field, len(fields))
	for i, f := range fields {
		hf[i] = f.field
	}
	group := huh.NewGroup(hf...)
	p.form = huh.NewForm(group).
		WithTheme(topologyHuhTheme(st)).
		WithKeyMap(topologyHuhKeyMap()).
		WithShowHelp(false).
		WithShowErrors(false)
	if width > 0 {
		p.form = p.form.WithWidth(width)
	}
	if h := p.formHeight(); h > 0 {
		p.form = p.form.WithHeight(h)
	}
	p.form.Init() // activates the group; its Sequence is replaced by the group's Init below
	if focus < 0 || focus >= len(fields) {
		focus = len(fields) - 1
	}
	cmds := []tea.Cmd{group.Init()}
	for range focus {
		cmds = append(cmds, p.form.NextField())
	}
	return p, p.tag(tea.Batch(cmds...))
}

// tag wraps every message cmd yields in a formMsg of this page, descending
// into batches.
func (p formPage) tag(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	id := p.id
	return func() tea.Msg {
		switch msg := cmd().(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			out := make(tea.BatchMsg, 0, len(msg))
			for _, c := range msg {
				if c != nil {
					out = append(out, p.tag(c))
				}
			}
			return out
		default:
			return formMsg{page: id, msg: msg}
		}
	}
}

// open returns the message for the form: a key press or a paste as it is,
// the content of a formMsg of this page; ok is false for any other message
// and when the form is no longer taking input.
func (p formPage) open(msg tea.Msg) (inner tea.Msg, ok bool) {
	if p.form == nil || p.form.State != huh.StateNormal {
		return nil, false
	}
	switch m := msg.(type) {
	case formMsg:
		return m.msg, m.page == p.id
	case tea.KeyPressMsg, tea.PasteMsg:
		return msg, true
	}
	return nil, false
}

// update hands msg (opened) to the form and returns its Cmd, routed back
// to this page.
func (p formPage) update(msg tea.Msg) tea.Cmd {
	_, cmd := p.form.Update(msg)
	return p.tag(cmd)
}

// state is the form's state (no form: normal).
func (p formPage) state() huh.FormState {
	if p.form == nil {
		return huh.StateNormal
	}
	return p.form.State
}

// SetSize gives the page the screen's size.
func (p formPage) SetSize(width, height int) formPage {
	p.width, p.height = width, height
	if p.form != nil {
		p.form.WithWidth(width)
		p.form.WithHeight(p.formHeight())
	}
	return p
}

// formHeight is the room for the form: the screen less the heading (a
// title and a blank line) and the notes; 0: unknown, the form draws
// everything.
func (p formPage) formHeight() int {
	if p.height <= 0 {
		return 0
	}
	return max(p.height-2-p.noteRoom(), 3)
}

// noteRoom is the number of lines under the form for errors and notes.
func (p formPage) noteRoom() int {
	if p.height <= 0 {
		return 1 << 10
	}
	if p.height >= p.layout.tall {
		return p.layout.notes
	}
	return max(p.height/p.layout.share, 1)
}

// focused returns the index of the field that has focus, or -1.
func (p formPage) focused() int {
	if p.form == nil {
		return -1
	}
	cur := p.form.GetFocusedField()
	for i, fl := range p.fields {
		if fl.field == cur {
			return i
		}
	}
	return -1
}

// Keys returns k with the bindings of the focused field: how to choose,
// shift+tab when there is a field or page before (before), and enter,
// which leaves the screen on the last field when no page follows (more).
func (p formPage) Keys(k KeyMap, before, more bool) KeyMap {
	enable(&k.Back, &k.Quit)
	i := p.focused()
	if i < 0 || p.form.State != huh.StateNormal {
		return k
	}
	f := p.fields[i]
	return topologyFormKeys(k, f.kind, topologyFiltering(f.field), before || i > 0, !more && i == len(p.fields)-1)
}

// errors are the engine's messages for the page's fields, once each:
// "name: …".
func (p formPage) errors(errs []*mesh.FieldError) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range p.fields {
		for _, e := range errs {
			if !f.match(e.Field) {
				continue
			}
			line := f.label + ": " + topologyFieldError(e)
			if !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
	}
	return out
}

// render draws head, the form without the blank lines its viewport pads
// with, and the notes in the room left for them (cut with " …"), every
// line fitted to the width and the whole to the height.
func (p formPage) render(head, notes []string) string {
	lines := append([]string(nil), head...)
	form := strings.Split(p.form.View(), "\n")
	for len(form) > 0 && strings.TrimSpace(ansi.Strip(form[len(form)-1])) == "" {
		form = form[:len(form)-1]
	}
	lines = append(lines, form...)
	if room := p.noteRoom(); len(notes) > room {
		notes = append(notes[:room-1:room-1], fit(notes[room-1]+" …", p.width))
	}
	if len(notes) > 0 {
		lines = append(lines, "")
		lines = append(lines, notes...)
	}
	return fitFrame(lines, p.width, p.height)
}

// formCommit writes a form's values into cfg with apply once they are
// valid as a whole: cand, a copy of cfg with the values applied, is
// defaulted and validated first, so that invalid values leave cfg as it
// was.
func formCommit(cfg, cand *mesh.Config, apply func(*mesh.Config)) error {
	cand.Default()
	if err := cand.Validate(); err != nil {
		return err
	}
	apply(cfg)
	cfg.Default()
	return cfg.Validate()
}
