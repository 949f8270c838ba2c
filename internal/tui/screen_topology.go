package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// The pages of the topology screen, in order. The roles page is there only
// in a primary-remote mesh; there is a cluster page per cluster.
const (
	topologyPageModel    = iota // deployment model and mesh ID
	topologyPageNetworks        // one network or one per cluster
	topologyPageRoles           // primary or remote, and whose
	topologyPageCluster         // a cluster's name, network and API server address
)

// topologyPage is one page: a huh form of its own.
type topologyPage struct {
	kind    int
	cluster int // for topologyPageCluster
}

// topologyLayout keeps room under the form for errors and notes: 5 lines
// from 16 rows on.
var topologyLayout = formLayout{notes: 5, tall: 16, share: 4}

// topologyModel is step 3: the deployment model, the networks, the roles
// (primary-remote), the mesh ID and each cluster's name, network and API
// server address for remote secrets. It is a sequence of pages, each a huh
// form built when the page is shown from the values held by pointer, so
// that going back and forth (pages or screens) keeps every input. Inputs
// are checked as they are typed with the engine's own rules
// (mesh.Config.Validate on the config with the values applied), and the
// values reach the session's config only once all of it is valid.
type topologyModel struct {
	common
	v   *topologyValues // nil until entered
	key string          // the chosen contexts v was built for

	page  int
	form  formPage
	shape string // what the form was built from; when it changes the form is rebuilt
	// lastName is the cluster name the network follows on a cluster page,
	// while the network is still the default for it.
	lastName string

	errs         []string          // the engine's messages for the page, under the form
	cidrs        *topologyCIDRsMsg // nil while the pod CIDRs are read
	networksSeen bool              // the networks page was shown: the suggestion no longer picks for the user

	width, height int
}

func newTopologyModel(c common) topologyModel { return topologyModel{common: c, width: defaultWidth} }

// enter implements screenModel. It (re)reads the values from the session
// when the chosen clusters changed, keeping what was typed for the clusters
// still chosen, and starts reading their pod CIDRs. Forward it starts on the
// first page, back on the last field of the last page.
func (m topologyModel) enter(forward bool) (screenModel, tea.Cmd) {
	if m.s.cfg == nil {
		return m, nil
	}
	var cmds []tea.Cmd
	if key := topologyKey(m.s.contexts); m.v == nil || key != m.key {
		m.v = newTopologyValues(m.s.cfg, m.s.contexts, m.v)
		m.key, m.cidrs = key, nil
		names := make([]string, len(m.s.contexts))
		for i, c := range m.s.contexts {
			names[i] = c.Name
		}
		cmds = append(cmds, topologyReadCIDRs(m.s.ctx, key, names, m.s.clients))
	}
	m.errs = nil
	focus := 0
	if forward {
		m.page = 0
	} else {
		m.page, focus = len(m.pages())-1, -1
	}
	m, cmd := m.rebuild(focus)
	return m, tea.Batch(append(cmds, cmd)...)
}

// pages lists the pages for the current values.
func (m topologyModel) pages() []topologyPage {
	ps := []topologyPage{{kind: topologyPageModel}, {kind: topologyPageNetworks}}
	if m.v.model == mesh.PrimaryRemote {
		ps = append(ps, topologyPage{kind: topologyPageRoles})
	}
	for i := range m.v.clusters {
		ps = append(ps, topologyPage{kind: topologyPageCluster, cluster: i})
	}
	return ps
}

func (m topologyModel) current() topologyPage {
	ps := m.pages()
	return ps[min(m.page, len(ps)-1)]
}

// title names a page.
func (m topologyModel) title(p topologyPage) string {
	switch p.kind {
	case topologyPageModel:
		return "Deployment model and mesh ID"
	case topologyPageNetworks:
		return "Networks"
	case topologyPageRoles:
		return "Primaries and remotes"
	}
	return fmt.Sprintf("Cluster %d of %d: %s", p.cluster+1, len(m.v.clusters), m.v.clusters[p.cluster].name)
}

// shapeOf says what the fields of page p depend on besides their own
// values; a change rebuilds the form.
func (m topologyModel) shapeOf(p topologyPage) string {
	switch p.kind {
	case topologyPageNetworks:
		return fmt.Sprint(m.v.perCluster, m.cidrs != nil && m.cidrs.suggestsPerCluster())
	case topologyPageCluster:
		return fmt.Sprint(m.v.perCluster)
	}
	return ""
}

// rebuild builds the current page's form with the focus on field focus (-1:
// the last field).
func (m topologyModel) rebuild(focus int) (topologyModel, tea.Cmd) {
	p := m.current()
	m.shape = m.shapeOf(p)
	if p.kind == topologyPageNetworks {
		m.networksSeen = true
	}
	if p.kind == topologyPageCluster {
		m.lastName = m.v.clusters[p.cluster].name
	}
	var cmd tea.Cmd
	m.form, cmd = newFormPage(m.styles, topologyLayout, m.width, m.height, m.buildFields(p), focus)
	m.errs = m.pageErrors()
	return m, cmd
}

// validator returns huh's validation of one input: the engine's message for
// the config fields match selects, with the typed value s set by set.
func (m topologyModel) validator(set func(*topologyValues, string), match func(string) bool) func(string) error {
	v, cfg := m.v, m.s.cfg
	return func(s string) error {
		c := v.clone()
		set(c, s)
		return topologyFieldErr(c.errors(cfg), match)
	}
}

// SetSize implements screenModel.
func (m topologyModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	m.form = m.form.SetSize(width, height)
	return m
}

// Keys implements screenModel: huh's keys for the focused field, back and
// quit (not while a text input has focus: q types there).
func (m topologyModel) Keys() KeyMap {
	if m.v == nil {
		k := m.keys.none()
		enable(&k.Back, &k.Quit)
		return k
	}
	return m.form.Keys(m.keys.none(), m.page > 0, m.page < len(m.pages())-1)
}

// Update implements screenModel.
func (m topologyModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case topologyCIDRsMsg:
		if m.v == nil || msg.key != m.key {
			return m, nil // read for clusters no longer chosen
		}
		m.cidrs = &msg
		if msg.suggestsPerCluster() && !m.networksSeen && !m.v.perCluster {
			m.v.perCluster = true // the suggestion, until the user has seen the choice
		}
		return m.sync(nil)
	case tea.KeyPressMsg:
		if m.form.form == nil {
			return m, nil
		}
		if key.Matches(msg, topologyShiftTab) && m.form.focused() == 0 && m.form.state() == huh.StateNormal {
			if m.page == 0 {
				return m, nil
			}
			m.page--
			return m.rebuild(-1)
		}
	}
	if inner, ok := m.form.open(msg); ok {
		return m.forward(inner)
	}
	return m, nil
}

// forward hands msg (opened by the form page) to the form and follows what
// it did. A page is complete when the form goes from normal to completed
// in this update; later messages to a completed form change nothing.
func (m topologyModel) forward(msg tea.Msg) (screenModel, tea.Cmd) {
	cmd := m.form.update(msg)
	if m.form.state() == huh.StateCompleted {
		return m.completePage(cmd)
	}
	return m.sync(cmd)
}

// sync follows the form after an update: a changed shape rebuilds the
// form, and the errors are checked again.
func (m topologyModel) sync(cmd tea.Cmd) (screenModel, tea.Cmd) {
	if m.form.form == nil || m.form.state() != huh.StateNormal {
		return m, cmd
	}
	focus := m.form.focused()
	p := m.current()
	if p.kind == topologyPageCluster && m.v.perCluster && focus != 0 {
		// The network follows a renamed cluster while it is the default.
		tc := &m.v.clusters[p.cluster]
		if tc.name != m.lastName && tc.network == mesh.NetworkFor(m.lastName) {
			tc.network = mesh.NetworkFor(tc.name)
			m.shape = "" // rebuild to show it
		}
		m.lastName = tc.name
	}
	if m.shapeOf(p) != m.shape {
		m, rebuilt := m.rebuild(focus)
		return m, tea.Batch(cmd, rebuilt)
	}
	m.errs = m.pageErrors()
	return m, cmd
}

// completePage moves on from a completed page: to the first field in error
// when the page has one, else to the next page, else out of the screen.
func (m topologyModel) completePage(cmd tea.Cmd) (screenModel, tea.Cmd) {
	if errs := m.v.errors(m.s.cfg); len(errs) > 0 {
		for i, f := range m.form.fields {
			if topologyFieldErr(errs, f.match) != nil {
				m, rebuilt := m.rebuild(i)
				return m, tea.Batch(cmd, rebuilt)
			}
		}
	}
	if m.page < len(m.pages())-1 {
		m.page++
		m, rebuilt := m.rebuild(0)
		return m, tea.Batch(cmd, rebuilt)
	}
	return m.commit(cmd)
}

// commit writes the values into the session's config once they are valid
// as a whole, and moves on; otherwise it shows the page of the first error.
func (m topologyModel) commit(cmd tea.Cmd) (screenModel, tea.Cmd) {
	err := formCommit(m.s.cfg, m.v.candidate(m.s.cfg), m.v.apply)
	if err == nil {
		return m, tea.Batch(cmd, next)
	}
	errs := mesh.FieldErrors(err)
	for pi, p := range m.pages() {
		for fi, f := range m.buildFields(p) {
			for _, e := range errs {
				if f.match(e.Field) {
					m.page = pi
					m, rebuilt := m.rebuild(fi)
					return m, tea.Batch(cmd, rebuilt, status("Fix "+f.label+" first: "+topologyFieldError(e)))
				}
			}
		}
	}
	// A problem outside this screen's fields: say it, and stay.
	m, rebuilt := m.rebuild(-1)
	return m, tea.Batch(cmd, rebuilt, status(err.Error()))
}

// View implements screenModel.
func (m topologyModel) View() string {
	st := m.styles
	if m.v == nil || m.form.form == nil {
		return ""
	}
	ps := m.pages()
	head := []string{st.Title.Render(m.title(m.current())) + st.Subtle.Render(fmt.Sprintf(" · page %d of %d", m.page+1, len(ps))), ""}

	var notes []string
	for _, e := range m.errs {
		notes = append(notes, wrap(st.Fail.Render(GlyphFail)+" "+e, m.width)...)
	}
	if m.current().kind == topologyPageNetworks {
		names := func(ctx string) string {
			for _, c := range m.v.clusters {
				if c.context == ctx {
					return c.name
				}
			}
			return ctx
		}
		for _, n := range topologyCIDRNote(st, m.cidrs, names) {
			notes = append(notes, wrap(n, m.width)...)
		}
	}
	return m.form.render(head, notes)
}

// topologyShiftTab is shift+tab, which moves back a field, and from the
// first field of a page to the previous page.
var topologyShiftTab = key.NewBinding(key.WithKeys("shift+tab"))
