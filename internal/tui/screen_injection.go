package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/kube"
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
		if !m.loading() {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
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

// View implements screenModel.
func (m injectionModel) View() string {
	st := m.styles
	head := []string{st.Title.Render("Sidecar injection") + st.Subtle.Render(" · choose the namespaces whose pods join the mesh"), ""}
	lines, _ := m.listLines()
	if avail := m.listHeight(); avail > 0 && len(lines) > avail {
		lines = lines[m.offset:min(m.offset+avail, len(lines))]
	}
	out := append(head, lines...)
	out = append(out, "")
	out = append(out, wrap(m.summary(), m.width)...)
	for i := range out {
		out[i] = fit(out[i], m.width)
	}
	if m.height > 0 && len(out) > m.height {
		out = out[:m.height]
	}
	return strings.Join(out, "\n")
}

// listHeight is the number of lines for the list (0: unknown).
func (m injectionModel) listHeight() int {
	if m.height <= 0 {
		return 0
	}
	return max(m.height-2-1-m.summaryLines(), 1)
}

func (m injectionModel) summaryLines() int { return len(wrap(m.summary(), m.width)) }

// scroll keeps the cursor's line in the window.
func (m injectionModel) scroll() injectionModel {
	if rows := m.rows(); m.cursor >= len(rows) {
		m.cursor = max(len(rows)-1, 0)
	}
	lines, cur := m.listLines()
	avail := m.listHeight()
	if avail <= 0 || len(lines) <= avail {
		m.offset = 0
		return m
	}
	if cur >= 0 {
		if cur < m.offset {
			m.offset = cur
			if cur > 0 && m.isHeader(lines, cur-1) {
				m.offset = cur - 1 // show the cluster's header with its first row
			}
		}
		if cur >= m.offset+avail {
			m.offset = cur - avail + 1
		}
	}
	m.offset = min(max(m.offset, 0), len(lines)-avail)
	return m
}

func (m injectionModel) isHeader(lines []string, i int) bool {
	return !strings.HasPrefix(ansi.Strip(lines[i]), " ")
}

// listLines renders every cluster: a header, then its rows or what
// happened; cur is the index of the cursor's line (-1: none).
func (m injectionModel) listLines() (lines []string, cur int) {
	st := m.styles
	cur = -1
	nameW := 12
	for _, c := range m.clusters {
		for _, ns := range c.namespaces {
			nameW = max(nameW, ansi.StringWidth(ns.name))
		}
	}
	nameW = min(nameW, max(m.width/3, 12))
	row := 0
	for _, c := range m.clusters {
		head := st.Title.Render(m.name(c.context))
		if m.name(c.context) != c.context {
			head += st.Subtle.Render(" · context " + c.context)
		}
		lines = append(lines, head)
		switch {
		case c.loading:
			lines = append(lines, "  "+m.spinner.View()+" "+st.Subtle.Render("listing namespaces and pods…"))
		case c.err != nil:
			lines = append(lines, m.errorLines(c)...)
		case len(c.namespaces) == 0:
			lines = append(lines, "  "+st.Subtle.Render("no namespaces of your own yet: label them later with kubectl label namespace NAME istio-injection=enabled"))
		}
		for _, ns := range c.namespaces {
			cursor, box := "  ", "[ ]"
			if row == m.cursor {
				cursor, cur = st.Cursor.Render("›")+" ", len(lines)
			}
			if m.chosen(c.context, ns.name) {
				box = st.Selected.Render("[x]")
			}
			line := "  " + cursor + box + " " + pad(truncateMiddle(ns.name, nameW), nameW) + "  " + injectionPods(ns)
			if l := injectionLabelText(ns.label); l != "" {
				line += st.Subtle.Render(" · " + l)
			}
			lines = append(lines, line)
			row++
		}
	}
	return lines, cur
}

// errorLines say why a cluster could not be listed and what going on means.
func (m injectionModel) errorLines(c injectionCluster) []string {
	st := m.styles
	text := c.err.Error()
	var ce *kube.ContextError
	hint := ""
	if errors.As(c.err, &ce) {
		_, text, hint = kube.Classify(ce.Err)
		text = ce.Op + ": " + text
	}
	var out []string
	for _, l := range wrap(st.Fail.Render(GlyphFail)+" "+text, m.width-2) {
		out = append(out, "  "+l)
	}
	if hint != "" {
		for _, l := range wrap(st.Subtle.Render("hint: "+hint), m.width-2) {
			out = append(out, "  "+l)
		}
	}
	return append(out, "  "+st.Subtle.Render("Going on leaves injection off in "+m.name(c.context)+"; r lists again."))
}

// injectionLabelText says what the namespace's injection label does.
func injectionLabelText(label string) string {
	switch {
	case label == "":
		return ""
	case label == "istio-injection=enabled":
		return "enabled already"
	case strings.HasPrefix(label, "istio-injection="):
		return "labelled " + strings.TrimPrefix(label, "istio-injection=")
	}
	return "labelled " + label
}

// injectionPods says how many of a namespace's pods need a restart.
func injectionPods(ns injectionNamespace) string {
	switch {
	case ns.pods == 0:
		return "no pods"
	case ns.restart == 0:
		return fmt.Sprintf("%s, all with a sidecar", plural(ns.pods, "pod"))
	case ns.restart == 1 && ns.pods == 1:
		return "1 pod needs a restart"
	}
	return fmt.Sprintf("%d of %s need a restart", ns.restart, plural(ns.pods, "pod"))
}

// summary counts the choice.
func (m injectionModel) summary() string {
	st := m.styles
	namespaces, restart := 0, 0
	clusters := map[string]bool{}
	for _, c := range m.clusters {
		for _, ns := range c.namespaces {
			if m.chosen(c.context, ns.name) {
				namespaces++
				restart += ns.restart
				clusters[c.context] = true
			}
		}
	}
	if namespaces == 0 && m.loading() {
		return st.Subtle.Render("Listing the namespaces of each cluster…")
	}
	if namespaces == 0 {
		return st.Subtle.Render("No namespace selected: the mesh is installed without sidecars; label namespaces later to add them.")
	}
	s := fmt.Sprintf("%s in %s selected", plural(namespaces, "namespace"), plural(len(clusters), "cluster"))
	if restart > 0 {
		s += fmt.Sprintf(" · %s to restart after the install (kubectl rollout restart)", plural(restart, "pod"))
	}
	return s
}

// leave implements leaver: an enter pressed while listing no longer counts.
func (m injectionModel) leave() screenModel {
	m.pending = false
	return m
}
