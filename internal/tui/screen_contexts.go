package tui

import (
	"context"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// contextsLoadedMsg carries the kubeconfig's contexts, or why there are none.
type contextsLoadedMsg struct {
	files    []string // the kubeconfig files read, in precedence order
	contexts []kube.Context
	err      error
}

// probeResultMsg carries one context's probe. gen tells results of an
// earlier round (before r was pressed) apart from the current one.
type probeResultMsg struct {
	gen   int
	probe kube.Probe
}

// contextsTitles head the contexts screen in each flow.
var contextsTitles = map[flow]string{
	flowSetup:       "Choose the clusters to join into one mesh",
	flowDiagnostics: "Choose the clusters to check",
	flowTeardown:    "Choose the clusters to remove the mesh from",
}

// contextsChosenMsg tells the root model which contexts the user picked.
type contextsChosenMsg struct {
	contexts []kube.Context
}

// contextRow is one kubeconfig context and what its probe found.
type contextRow struct {
	kube.Context
	probe    *kube.Probe // nil while the probe runs
	selected bool
}

// contextsModel is the first screen: every kubeconfig context with its
// server and whether it answers. The list comes from one Cmd, then one probe
// Cmd per context runs concurrently and each row fills in as its answer
// arrives. Space selects the clusters for the mesh.
type contextsModel struct {
	ctx          context.Context
	cancelProbes context.CancelFunc // cancels the current round of probes
	loader       kube.Loader
	timeout      time.Duration
	styles       Styles
	keyMap       KeyMap
	spinner      spinner.Model

	title   string // says what the clusters are chosen for
	started bool   // entered at least once
	loading bool
	files   []string
	loadErr error
	rows    []contextRow
	gen     int // probe round; bumped by every load and refresh

	cursor, offset int // offset is the first row drawn
	width, height  int // height 0: unknown, draw every row
}

func newContextsModel(ctx context.Context, l kube.Loader, timeout time.Duration, styles Styles, keys KeyMap) contextsModel {
	return contextsModel{
		ctx:          ctx,
		cancelProbes: func() {},
		loader:       l,
		timeout:      timeout,
		styles:       styles,
		keyMap:       keys,
		spinner:      spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(styles.Spinner)),
		loading:      true,
		title:        contextsTitles[flowSetup],
		width:        defaultWidth,
	}
}

// enter implements screenModel: the first time, it reads the kubeconfig and
// probes every context; coming back keeps the list and the selection.
func (m contextsModel) enter(bool) (screenModel, tea.Cmd) {
	if m.started {
		if m.loading || m.probing() {
			return m, m.spinner.Tick // its ticks stopped while the screen was not shown
		}
		return m, nil
	}
	m.started = true
	return m, tea.Batch(m.load(), m.spinner.Tick)
}

// load reads the kubeconfig in a Cmd: it touches the file system.
func (m contextsModel) load() tea.Cmd {
	l := m.loader
	return func() tea.Msg {
		cs, err := l.Contexts()
		return contextsLoadedMsg{files: l.Files(), contexts: cs, err: err}
	}
}

// probe asks one context's API server for its version.
func probe(ctx context.Context, l kube.Loader, name string, timeout time.Duration, gen int) tea.Cmd {
	return func() tea.Msg {
		return probeResultMsg{gen: gen, probe: l.Probe(ctx, name, timeout)}
	}
}

// SetSize implements screenModel.
func (m contextsModel) SetSize(width, height int) screenModel {
	m.width, m.height = width, height
	return m.scroll()
}

// Keys implements screenModel: the bindings that make sense right now.
func (m contextsModel) Keys() KeyMap {
	k := m.keyMap.none()
	enable(&k.Refresh, &k.Back, &k.Quit)
	hasRows := len(m.rows) > 0
	k.Up.SetEnabled(hasRows)
	// One help entry for both arrows, so the help fits 80 columns with q
	// in it; key handles Down through the full map.
	k.Up.SetHelp("↑/↓", "move")
	k.Down.SetEnabled(false)
	k.Toggle.SetEnabled(hasRows)
	k.Next.SetEnabled(hasRows)
	k.Refresh.SetEnabled(!m.loading)
	if !hasRows {
		k.Refresh.SetHelp("r", "reload")
	}
	return k
}

// Update implements screenModel.
func (m contextsModel) Update(msg tea.Msg) (screenModel, tea.Cmd) {
	switch msg := msg.(type) {
	case contextsLoadedMsg:
		return m.loaded(msg)
	case probeResultMsg:
		if msg.gen != m.gen {
			return m, nil // a result from before the last refresh
		}
		if i := m.index(msg.probe.Context); i >= 0 {
			p := msg.probe
			m.rows = slices.Clone(m.rows) // rows are values: earlier models keep theirs
			m.rows[i].probe = &p
		}
		return m.scroll(), nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = spin(m.spinner, msg, m.loading || m.probing())
		return m, cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// loaded shows the contexts at once and starts one probe per context.
// Selection and cursor survive a reload by context name; on the first load
// the cursor starts on the current context.
func (m contextsModel) loaded(msg contextsLoadedMsg) (screenModel, tea.Cmd) {
	m.cancelProbes()
	m.loading, m.files, m.loadErr = false, msg.files, msg.err
	m.gen++
	var cursorName string
	if m.cursor < len(m.rows) {
		cursorName = m.rows[m.cursor].Name
	}
	selected := map[string]bool{}
	for _, r := range m.rows {
		selected[r.Name] = r.selected
	}
	first := len(m.rows) == 0
	m.rows = make([]contextRow, len(msg.contexts))
	m.cursor = 0
	for i, c := range msg.contexts {
		m.rows[i] = contextRow{Context: c, selected: selected[c.Name]}
		if c.Name == cursorName || (first && c.Current) {
			m.cursor = i
		}
	}
	if len(m.rows) == 0 {
		m.cancelProbes = func() {}
		return m.scroll(), nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancelProbes = cancel
	cmds := []tea.Cmd{m.spinner.Tick}
	for _, r := range m.rows {
		cmds = append(cmds, probe(ctx, m.loader, r.Name, m.timeout, m.gen))
	}
	return m.scroll(), tea.Batch(cmds...)
}

// key handles the screen's keys; q and ctrl+c are handled by the root.
func (m contextsModel) key(msg tea.KeyPressMsg) (screenModel, tea.Cmd) {
	k := m.Keys()
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case len(m.rows) > 0 && key.Matches(msg, m.keyMap.Down):
		m.cursor = min(m.cursor+1, len(m.rows)-1)
	case key.Matches(msg, k.Toggle):
		m.rows = slices.Clone(m.rows)
		m.rows[m.cursor].selected = !m.rows[m.cursor].selected
	case key.Matches(msg, k.Refresh):
		m.cancelProbes()
		m.gen++ // the cancelled probes' results are stale
		m.loading = true
		m.rows = slices.Clone(m.rows)
		for i := range m.rows {
			m.rows[i].probe = nil
		}
		return m.scroll(), tea.Batch(m.load(), m.spinner.Tick)
	case key.Matches(msg, k.Next):
		chosen := m.selected()
		if len(chosen) == 0 {
			return m, status("Select one or more clusters with space, then press enter.")
		}
		for _, r := range m.rows {
			if r.selected && r.probe != nil && r.probe.Err != nil {
				return m, status(fmt.Sprintf("%s does not answer (%s): unselect it, or fix it and press r.", r.Name, reasonLabel(r.probe.Reason)))
			}
		}
		return m, func() tea.Msg { return contextsChosenMsg{contexts: chosen} }
	}
	return m.scroll(), nil
}

// status returns a Cmd that sets the root's status line.
func status(s string) tea.Cmd {
	return func() tea.Msg { return statusMsg(s) }
}

func (m contextsModel) index(name string) int {
	return slices.IndexFunc(m.rows, func(r contextRow) bool { return r.Name == name })
}

func (m contextsModel) probing() bool {
	return slices.ContainsFunc(m.rows, func(r contextRow) bool { return r.probe == nil })
}

func (m contextsModel) selected() []kube.Context {
	var out []kube.Context
	for _, r := range m.rows {
		if r.selected {
			out = append(out, r.Context)
		}
	}
	return out
}
