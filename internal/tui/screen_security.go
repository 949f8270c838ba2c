package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// securityValues is what the security form edits, held by pointer so that
// huh's fields and every copy of the model share it.
type securityValues struct {
	mtls, mode, dir string
}

// apply writes the values into cfg.
func (v *securityValues) apply(cfg *mesh.Config) {
	cfg.Security.MTLS, cfg.Security.CA.Mode, cfg.Security.CA.Dir = v.mtls, v.mode, v.dir
}

// errors validates the values with the engine's rules, on a copy of cfg
// that is not defaulted (an emptied directory is an error).
func (v *securityValues) errors(cfg *mesh.Config) []*mesh.FieldError {
	c := *cfg
	v.apply(&c)
	return mesh.FieldErrors(c.Validate())
}

// securityFormMsg carries a message of the security form's own Cmds back to
// it; gen tells the current form from one it replaced.
type securityFormMsg struct {
	gen int
	msg tea.Msg
}

// securityNoteLines is the room under the form for the directory's
// explanation, the check's result and errors.
const securityNoteLines = 7

// securityModel is step 5: the mesh-wide mutual TLS mode and the CA, either
// generated into a directory or brought by the user. The directory is
// checked on the spot, in a Cmd, whenever the mode, the directory or the
// cluster names change: with the engine's own validation for a CA brought
// along (install.PrepareCerts), and for generate with a preview of what
// certs.EnsureDir will reuse. The screen moves on only when the check
// passes.
type securityModel struct {
	common
	v       *securityValues // nil until entered
	form    *huh.Form
	fields  []topologyField
	formGen int
	errs    []string

	checkKey string            // the values the report is (being) made for
	report   *securityCAReport // nil while the check runs
	advance  bool              // the form was completed: go on once the check passes
	// active: entered and not yet left with next. Pastes, which the root
	// sends to every screen, go to the form only then (the root does not
	// tell a screen it was left with esc).
	active bool

	width, height int
}

func newSecurityModel(c common) securityModel { return securityModel{common: c, width: defaultWidth} }

// enter implements screenModel: the values come from the session's config
// the first time and stay in the model after that; the directory is
// checked again (files and cluster names may have changed meanwhile).
func (m securityModel) enter(forward bool) (screenModel, tea.Cmd) {
	if m.s.cfg == nil {
		return m, nil
	}
	m.active = true
	if m.v == nil {
		sec := m.s.cfg.Security
		m.v = &securityValues{mtls: sec.MTLS, mode: sec.CA.Mode, dir: sec.CA.Dir}
	}
	focus := 0
	if !forward {
		focus = -1
	}
	m.advance, m.checkKey = false, ""
	m, cmd := m.rebuild(focus)
	m, check := m.check()
	return m, tea.Batch(cmd, check)
}

// names are the clusters' names, which name the intermediates' directories.
func (m securityModel) names() []string {
	names := make([]string, len(m.s.cfg.Clusters))
	for i, cl := range m.s.cfg.Clusters {
		names[i] = cl.Name
	}
	return names
}

// key identifies what a check looks at.
func (m securityModel) key() string {
	return m.v.mode + "\x00" + m.v.dir + "\x00" + strings.Join(m.names(), "\x00")
}

// check starts checking the directory unless the current values are
// already checked or being checked.
func (m securityModel) check() (securityModel, tea.Cmd) {
	key := m.key()
	if key == m.checkKey {
		return m, nil
	}
	m.checkKey, m.report = key, nil
	return m, securityCheck(key, m.v.mode, m.v.dir, m.names(), m.s.opts.KeyBits)
}

// rebuild builds the form with the focus on field focus (-1: the last).
func (m securityModel) rebuild(focus int) (securityModel, tea.Cmd) {
	m.fields = m.buildFields()
	if focus < 0 || focus >= len(m.fields) {
		focus = len(m.fields) - 1
	}
	m.formGen++
	m.form = topologyNewForm(m.styles, m.width, m.formHeight(), m.fields)
	gen := m.formGen
	cmd := topologyTagCmd(topologyStartForm(m.form, focus), func(msg tea.Msg) tea.Msg { return securityFormMsg{gen: gen, msg: msg} })
	m.errs = m.pageErrors()
	return m, cmd
}

func (m securityModel) tag(cmd tea.Cmd) tea.Cmd {
	gen := m.formGen
	return topologyTagCmd(cmd, func(msg tea.Msg) tea.Msg { return securityFormMsg{gen: gen, msg: msg} })
}

func (m securityModel) buildFields() []topologyField {
	v, cfg := m.v, m.s.cfg
	dirMatch := topologyPath("security.ca.dir")
	return []topologyField{
		{kind: topologySelect, label: "mTLS", match: topologyPath("security.mtls"), field: huh.NewSelect[string]().
			Title("Mutual TLS between workloads").
			Options(
				huh.NewOption("PERMISSIVE · accept plain text too while workloads migrate (Istio's default)", mesh.MTLSPermissive),
				huh.NewOption("STRICT · mutual TLS only: pods without a sidecar can no longer call meshed ones", mesh.MTLSStrict),
			).
			Value(&v.mtls)},
		{kind: topologySelect, label: "CA", match: topologyPath("security.ca.mode"), field: huh.NewSelect[string]().
			Title("Certificate authority shared by the clusters").
			Options(
				huh.NewOption("generate · meshwiz makes a root CA and an intermediate CA per cluster", mesh.CAGenerate),
				huh.NewOption("bring your own · read a root and per-cluster intermediates from a directory", mesh.CAExisting),
			).
			Value(&v.mode)},
		{kind: topologyInput, label: "directory", match: dirMatch, field: huh.NewInput().
			Title("CA directory").
			Validate(func(s string) error {
				c := *v
				c.dir = s
				return topologyFieldErr(c.errors(cfg), dirMatch)
			}).
			Value(&v.dir)},
	}
}

// pageErrors are the engine's messages for the form's fields.
func (m securityModel) pageErrors() []string {
	errs := m.v.errors(m.s.cfg)
	var out []string
	for _, f := range m.fields {
		for _, e := range errs {
			if f.match(e.Field) {
				out = append(out, f.label+": "+topologyFieldError(e))
			}
		}
	}
	return out
}

// SetSize implements screenModel.
func (m securityModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	if m.form != nil {
		m.form.WithWidth(width)
		m.form.WithHeight(m.formHeight())
	}
	return m
}

func (m securityModel) formHeight() int {
	if m.height <= 0 {
		return 0
	}
	return max(m.height-2-m.noteRoom(), 3)
}

func (m securityModel) noteRoom() int {
	if m.height <= 0 {
		return 1 << 10
	}
	if m.height >= 18 {
		return securityNoteLines
	}
	return max(m.height/3, 1)
}

// Keys implements screenModel.
func (m securityModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Back, &k.Quit)
	i := topologyFocused(m.form, m.fields)
	if i < 0 || m.form.State != huh.StateNormal {
		return k
	}
	f := m.fields[i]
	return topologyFormKeys(k, f.kind, topologyFiltering(f.field), i > 0, i == len(m.fields)-1)
}

// Update implements screenModel.
func (m securityModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case securityCheckMsg:
		if m.v == nil || msg.key != m.checkKey {
			return m, nil // for values since changed
		}
		rep := msg.report
		m.report = &rep
		if !m.advance {
			return m, nil
		}
		m.advance = false
		if rep.err != nil {
			return m.refuse()
		}
		return m.commit(nil)
	case securityFormMsg:
		if msg.gen != m.formGen {
			return m, nil
		}
		return m.forward(msg.msg)
	case tea.PasteMsg:
		if !m.active {
			return m, nil
		}
		return m.forward(msg)
	case tea.KeyPressMsg:
		return m.forward(msg)
	}
	return m, nil
}

// forward hands msg to the form and follows it: a changed directory or
// mode is checked, and a form that completes in this update goes on.
// Later messages to a completed form change nothing.
func (m securityModel) forward(msg tea.Msg) (screenModel, tea.Cmd) {
	if m.form == nil || m.form.State != huh.StateNormal {
		return m, nil
	}
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		m.advance = false // editing again: wait for enter
	}
	_, cmd := m.form.Update(msg)
	cmd = m.tag(cmd)
	m.errs = m.pageErrors()
	m, check := m.check()
	cmd = tea.Batch(cmd, check)
	if m.form.State != huh.StateCompleted {
		return m, cmd
	}
	if len(m.errs) > 0 {
		m, rebuilt := m.rebuild(-1)
		return m, tea.Batch(cmd, rebuilt)
	}
	switch {
	case m.report == nil:
		m.advance = true // go on when the check answers
		m, rebuilt := m.rebuild(-1)
		return m, tea.Batch(cmd, rebuilt, status("Checking "+m.v.dir+"…"))
	case m.report.err != nil:
		m, refused := m.refuse()
		return m, tea.Batch(cmd, refused)
	}
	return m.commit(cmd)
}

// refuse stays on the directory after a failed check.
func (m securityModel) refuse() (screenModel, tea.Cmd) {
	m, cmd := m.rebuild(-1)
	return m, tea.Batch(cmd, status("The CA directory cannot be used as it is: fix the files or pick another directory."))
}

// commit writes the values into the session's config and moves on.
func (m securityModel) commit(cmd tea.Cmd) (screenModel, tea.Cmd) {
	cand := *m.s.cfg
	m.v.apply(&cand)
	cand.Default()
	err := cand.Validate()
	if err == nil {
		m.v.apply(m.s.cfg)
		m.s.cfg.Default()
		err = m.s.cfg.Validate()
	}
	if err != nil {
		m, rebuilt := m.rebuild(-1)
		return m, tea.Batch(cmd, rebuilt, status(err.Error()))
	}
	m.active = false
	return m, tea.Batch(cmd, next)
}

// View implements screenModel.
func (m securityModel) View() string {
	st := m.styles
	if m.v == nil || m.form == nil {
		return ""
	}
	lines := []string{st.Title.Render("Mutual TLS and the mesh CA"), ""}
	lines = append(lines, topologyTrimBlank(strings.Split(m.form.View(), "\n"))...)

	var notes []string
	for _, e := range m.errs {
		notes = append(notes, wrap(st.Fail.Render(GlyphFail)+" "+e, m.width)...)
	}
	notes = append(notes, wrap(st.Subtle.Render(m.layoutNote()), m.width)...)
	switch r := m.report; {
	case r == nil:
		notes = append(notes, st.Subtle.Render("Checking "+m.v.dir+"…"))
	case r.err != nil:
		notes = append(notes, wrap(st.Fail.Render(GlyphFail)+" "+r.err.Error(), m.width)...)
	case r.info == "":
	default:
		notes = append(notes, wrap(st.OK.Render(GlyphOK)+" "+r.info, m.width)...)
		for _, w := range r.warns {
			notes = append(notes, wrap(st.Warn.Render(GlyphWarn)+" "+w, m.width)...)
		}
	}
	if room := m.noteRoom(); len(notes) > room {
		notes = append(notes[:room-1], fit(notes[room-1]+" …", m.width))
	}
	lines = append(lines, "")
	lines = append(lines, notes...)
	for i := range lines {
		lines[i] = fit(lines[i], m.width)
	}
	if m.height > 0 && len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// layoutNote says what the directory holds in the current mode.
func (m securityModel) layoutNote() string {
	clusters := strings.Join(m.names(), "/, ") + "/"
	if m.v.mode == mesh.CAExisting {
		return fmt.Sprintf("Needs root-cert.pem and %s each with ca-cert.pem, ca-key.pem, cert-chain.pem and root-cert.pem (Istio's tools/certs layout).", clusters)
	}
	return fmt.Sprintf("meshwiz writes root-cert.pem, root-key.pem and %s each with its intermediate CA there; private keys are written 0600. A CA already there is reused.", clusters)
}

// leave implements leaver: the form no longer takes pastes, and a pending
// "go on once the check passes" is dropped.
func (m securityModel) leave() screenModel {
	m.active, m.advance = false, false
	return m
}
