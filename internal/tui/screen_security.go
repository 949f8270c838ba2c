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

// securityLayout keeps room under the form for the directory's
// explanation, the check's result and errors: 7 lines from 18 rows on.
var securityLayout = formLayout{notes: 7, tall: 18, share: 3}

// securityModel is step 5: the mesh-wide mutual TLS mode and the CA, either
// generated into a directory or brought by the user. The directory is
// checked on the spot, in a Cmd, whenever the mode, the directory or the
// cluster names change: with the engine's own validation for a CA brought
// along (install.PrepareCerts), and for generate with a preview of what
// certs.EnsureDir will reuse. The screen moves on only when the check
// passes.
type securityModel struct {
	common
	v    *securityValues // nil until entered
	form formPage
	errs []string

	checkKey string            // the values the report is (being) made for
	report   *securityCAReport // nil while the check runs
	advance  bool              // the form was completed: go on once the check passes

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
	var cmd tea.Cmd
	m.form, cmd = newFormPage(m.styles, securityLayout, m.width, m.height, m.buildFields(), focus)
	m.errs = m.form.errors(m.v.errors(m.s.cfg))
	return m, cmd
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

// SetSize implements screenModel.
func (m securityModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	m.form = m.form.SetSize(width, height)
	return m
}

// Keys implements screenModel.
func (m securityModel) Keys() KeyMap { return m.form.Keys(m.keys.none(), false, false) }

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
	}
	if inner, ok := m.form.open(msg); ok {
		return m.forward(inner)
	}
	return m, nil
}

// forward hands msg (opened by the form page) to the form and follows it:
// a changed directory or mode is checked, and a form that completes in
// this update goes on. Later messages to a completed form change nothing.
func (m securityModel) forward(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		m.advance = false // editing again: wait for enter
	}
	cmd := m.form.update(msg)
	m.errs = m.form.errors(m.v.errors(m.s.cfg))
	m, check := m.check()
	cmd = tea.Batch(cmd, check)
	if m.form.state() != huh.StateCompleted {
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
	if err := formCommit(m.s.cfg, &cand, m.v.apply); err != nil {
		m, rebuilt := m.rebuild(-1)
		return m, tea.Batch(cmd, rebuilt, status(err.Error()))
	}
	return m, tea.Batch(cmd, next)
}

// View implements screenModel.
func (m securityModel) View() string {
	st := m.styles
	if m.v == nil || m.form.form == nil {
		return ""
	}
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
	return m.form.render([]string{st.Title.Render("Mutual TLS and the mesh CA"), ""}, notes)
}

// layoutNote says what the directory holds in the current mode.
func (m securityModel) layoutNote() string {
	clusters := strings.Join(m.names(), "/, ") + "/"
	if m.v.mode == mesh.CAExisting {
		return fmt.Sprintf("Needs root-cert.pem and %s each with ca-cert.pem, ca-key.pem, cert-chain.pem and root-cert.pem (Istio's tools/certs layout).", clusters)
	}
	return fmt.Sprintf("meshwiz writes root-cert.pem, root-key.pem and %s each with its intermediate CA there; private keys are written 0600. A CA already there is reused.", clusters)
}

// leave implements leaver: a pending "go on once the check passes" is
// dropped.
func (m securityModel) leave() screenModel {
	m.advance = false
	return m
}
