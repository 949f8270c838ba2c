package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// injectionCluster is one cluster's namespaces as listed.
type injectionCluster struct {
	context    string
	loading    bool
	err        error // the namespaces could not be listed
	namespaces []injectionNamespace
}

// injectionRow is a namespace row: a cluster and a namespace index.
type injectionRow struct{ cluster, ns int }

// injectionModel is step 6: per cluster, the namespaces whose pods get
// sidecars (labelled istio-injection=enabled by the install), with how many
// pods each would need restarting and whether it is labelled already. The
// lists load in Cmds, one per cluster, and fill in as they arrive. The
// choice is written into each cluster's InjectNamespaces as it is toggled;
// a cluster that cannot be listed goes on without injection.
type injectionModel struct {
	common
	spinner spinner.Model

	key      string // the chosen contexts the lists are for
	gen      int    // the current round of listing
	clusters []injectionCluster
	pending  bool // enter was pressed while listing: go on when it ends

	cursor int // index into rows()
	offset int // first line drawn of the list
	width  int
	height int // 0: unknown, draw everything
}

func newInjectionModel(c common) injectionModel {
	return injectionModel{common: c, width: defaultWidth,
		spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.styles.Spinner))}
}

// enter implements screenModel: the namespaces are listed the first time
// and whenever the chosen clusters changed; otherwise the lists stay (r
// reloads them).
func (m injectionModel) enter(bool) (screenModel, tea.Cmd) {
	if m.s.cfg == nil {
		return m, nil
	}
	if k := topologyKey(m.s.contexts); k != m.key || m.clusters == nil {
		m.key = k
		return m.load()
	}
	if m.loading() {
		return m.scroll(), m.spinner.Tick // its ticks stopped while the screen was not shown
	}
	return m.scroll(), nil
}

// load lists every cluster's namespaces again.
func (m injectionModel) load() (injectionModel, tea.Cmd) {
	m.gen++
	m.clusters = make([]injectionCluster, len(m.s.contexts))
	cmds := []tea.Cmd{m.spinner.Tick}
	for i, c := range m.s.contexts {
		m.clusters[i] = injectionCluster{context: c.Name, loading: true}
		cmds = append(cmds, injectionList(m.s.ctx, m.gen, c.Name, m.s.clients[c.Name]))
	}
	m.cursor, m.offset = 0, 0
	return m, tea.Batch(cmds...)
}

func (m injectionModel) loading() bool {
	return slices.ContainsFunc(m.clusters, func(c injectionCluster) bool { return c.loading })
}

// rows are the namespace rows, in display order.
func (m injectionModel) rows() []injectionRow {
	var out []injectionRow
	for ci, c := range m.clusters {
		for ni := range c.namespaces {
			out = append(out, injectionRow{ci, ni})
		}
	}
	return out
}

// meshCluster is the config's cluster of the context, or nil.
func (m injectionModel) meshCluster(context string) *mesh.Cluster {
	for i := range m.s.cfg.Clusters {
		if m.s.cfg.Clusters[i].Context == context {
			return &m.s.cfg.Clusters[i]
		}
	}
	return nil
}

// chosen reports whether namespace ns of the context is selected.
func (m injectionModel) chosen(context, ns string) bool {
	cl := m.meshCluster(context)
	return cl != nil && slices.Contains(cl.InjectNamespaces, ns)
}

// SetSize implements screenModel.
func (m injectionModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	return m.scroll()
}

// Keys implements screenModel.
func (m injectionModel) Keys() KeyMap {
	k := m.keys.none()
	enable(&k.Next, &k.Back, &k.Quit)
	if len(m.rows()) > 0 {
		// One help entry for both directions keeps the help line short.
		k.Up = key.NewBinding(key.WithKeys("up", "k", "down", "j"), key.WithHelp("↑/↓", "move"))
		k.Toggle.SetEnabled(true)
	}
	k.Refresh.SetEnabled(!m.loading())
	k.Refresh.SetHelp("r", "reload")
	return k
}

// Update implements screenModel.
func (m injectionModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case injectionListedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		i := slices.IndexFunc(m.clusters, func(c injectionCluster) bool { return c.context == msg.context })
		if i < 0 {
			return m, nil
		}
		m.clusters = slices.Clone(m.clusters) // earlier models keep theirs
		m.clusters[i] = injectionCluster{context: msg.context, err: msg.err, namespaces: msg.namespaces}
		if msg.err == nil {
			m.keepListed(i)
		}
		if m.pending && !m.loading() {
			m.pending = false
			return m.scroll().commit()
		}
		return m.scroll(), nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = spin(m.spinner, msg, m.loading())
		return m, cmd
	case tea.KeyPressMsg:
		return m.keyPress(msg)
	}
	return m, nil
}

// keepListed drops from cluster i's choice the namespaces that no longer
// exist.
func (m injectionModel) keepListed(i int) {
	c := m.clusters[i]
	cl := m.meshCluster(c.context)
	if cl == nil || len(cl.InjectNamespaces) == 0 {
		return
	}
	var kept []string
	for _, ns := range c.namespaces {
		if slices.Contains(cl.InjectNamespaces, ns.name) {
			kept = append(kept, ns.name)
		}
	}
	cl.InjectNamespaces = kept
}

func (m injectionModel) keyPress(msg tea.KeyPressMsg) (screenModel, tea.Cmd) {
	k := m.Keys()
	rows := m.rows()
	switch {
	case len(rows) > 0 && key.Matches(msg, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case len(rows) > 0 && key.Matches(msg, m.keys.Down):
		m.cursor = min(m.cursor+1, len(rows)-1)
	case key.Matches(msg, k.Toggle):
		r := rows[m.cursor]
		c := m.clusters[r.cluster]
		m.toggle(c.context, c.namespaces[r.ns].name, c.namespaces)
	case key.Matches(msg, k.Refresh):
		m, cmd := m.load()
		return m.scroll(), cmd
	case key.Matches(msg, k.Next):
		return m.commit()
	}
	return m.scroll(), nil
}

// toggle selects or unselects a namespace in the config, keeping the
// list's order.
func (m injectionModel) toggle(context, ns string, listed []injectionNamespace) {
	cl := m.meshCluster(context)
	if cl == nil {
		return
	}
	on := !slices.Contains(cl.InjectNamespaces, ns)
	var out []string
	for _, n := range listed {
		if n.name == ns && on || n.name != ns && slices.Contains(cl.InjectNamespaces, n.name) {
			out = append(out, n.name)
		}
	}
	cl.InjectNamespaces = out
}

// commit goes on once every cluster answered: a cluster that could not be
// listed gets no injection.
func (m injectionModel) commit() (screenModel, tea.Cmd) {
	var waiting []string
	for _, c := range m.clusters {
		if c.loading {
			waiting = append(waiting, m.name(c.context))
		}
	}
	if len(waiting) > 0 {
		m.pending = true
		return m, status("Still listing the namespaces of " + strings.Join(waiting, ", ") + "… the wizard goes on when it is done.")
	}
	for _, c := range m.clusters {
		if cl := m.meshCluster(c.context); cl != nil && c.err != nil {
			cl.InjectNamespaces = nil
		}
	}
	m.s.cfg.Default()
	if err := m.s.cfg.Validate(); err != nil {
		var msgs []string
		for _, e := range mesh.FieldErrors(err) {
			msgs = append(msgs, e.Error())
		}
		return m, status(strings.Join(msgs, "; "))
	}
	return m, next
}

// name is the mesh name of the context's cluster.
func (m injectionModel) name(context string) string {
	if cl := m.meshCluster(context); cl != nil {
		return cl.Name
	}
	return context
}

// leave implements leaver: an enter pressed while listing no longer counts.
func (m injectionModel) leave() screenModel {
	m.pending = false
	return m
}
