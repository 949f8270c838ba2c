// Package tui is meshwiz's terminal wizard. It is thin: screens read
// kubeconfig contexts and, in later screens, edit a setup configuration and
// render the engine's progress events; all cluster I/O runs in tea.Cmds.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// ErrAborted is returned by Run when the user aborts the wizard with ctrl+c,
// or when its context is cancelled (SIGINT, SIGTERM).
var ErrAborted = errors.New("aborted")

// Options configure the wizard.
type Options struct {
	// Loader finds the kubeconfig, as kubectl does.
	Loader kube.Loader
	// Input is the terminal to read keys from; nil means stdin (or the TTY
	// when stdin is not one).
	Input io.Reader
	// Output is the terminal to draw on; nil means stdout.
	Output io.Writer
	// ProbeTimeout bounds each context's reachability probe; zero means
	// kube.DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// Dir is where the review screen offers to save mesh.yaml and the plan
	// export, and where generated certificates go by default; "" means the
	// working directory.
	Dir string
	// CADir presets security.ca.dir; "" means mesh.DefaultCADir under Dir.
	CADir string
	// KeyBits is the RSA key size of generated CA keys; zero means
	// certs.DefaultKeyBits.
	KeyBits int
	// AllowLoopbackServers accepts loopback API server addresses in remote
	// secrets from the start (clusters on this machine); the checks screen
	// offers the same with a key, and both are reported as a warning.
	AllowLoopbackServers bool
}

// Run runs the wizard on opts.Output until the user quits. It runs inline,
// not in the alternate screen, so the last frame (the contexts and what they
// answered) stays in the terminal's scrollback after quitting. It returns nil
// when the user quits with q, ErrAborted on ctrl+c or when ctx is cancelled,
// and any other error of the terminal.
func Run(ctx context.Context, opts Options) error {
	out := opts.Output
	if out == nil {
		out = os.Stdout
	}
	m := newModel(ctx, opts)
	defer m.cancel()
	progOpts := []tea.ProgramOption{
		tea.WithContext(ctx),
		tea.WithOutput(out),
		tea.WithColorProfile(colorProfile(out, os.Environ())),
	}
	if opts.Input != nil { // tea.WithInput(nil) would disable input altogether
		progOpts = append(progOpts, tea.WithInput(opts.Input))
	}
	_, err := tea.NewProgram(m, progOpts...).Run()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tea.ErrInterrupted), ctx.Err() != nil:
		return ErrAborted
	}
	return fmt.Errorf("running the wizard: %w", err)
}

// screen identifies a wizard screen; flows lists the order in which each
// flow walks them.
type screen int

const (
	screenStart     screen = iota // choose a flow (screen_start.go)
	screenContexts                // pick the clusters (screen_contexts.go)
	screenTopology                // model, networks, names (screen_topology.go)
	screenChecks                  // the prerequisite checks, live (screen_checks.go)
	screenSecurity                // mTLS and the CA (screen_security.go)
	screenInjection               // sidecar injection per namespace (screen_injection.go)
	screenReview                  // the plan; save, export, confirm (screen_review.go)
	screenInstall                 // live per-cluster progress (screen_install.go)
	screenSummary                 // what was done, how to verify and undo (screen_summary.go)
	screenTeardown                // preview, confirm, progress, summary (screen_teardown.go)
	screenCount
)

var screenNames = [screenCount]string{"start", "clusters", "topology", "checks", "security", "injection",
	"review", "install", "summary", "teardown"}

var flows = map[flow][]screen{
	flowSetup: {screenStart, screenContexts, screenTopology, screenChecks, screenSecurity, screenInjection,
		screenReview, screenInstall, screenSummary},
	flowDiagnostics: {screenStart, screenContexts, screenTopology, screenChecks},
	flowTeardown:    {screenStart, screenContexts, screenTeardown},
}

// screenModel is one wizard screen: a sub-model in its own file. The root
// model handles window size, navigation and global keys; it forwards the
// messages of a screen's own work (ownedMsg: engine events by run ID,
// probes, listings) to that screen, so a run keeps going while its screen is
// not shown, and every other message to the active screen only.
type screenModel interface {
	// enter is called each time the screen becomes the active one: forward
	// from the previous screen, or back from the next one. It reads the
	// session (the chosen clusters, the config) and returns the Cmd that
	// starts its work.
	enter(forward bool) (screenModel, tea.Cmd)
	Update(msg tea.Msg) (screenModel, tea.Cmd)
	// View renders the screen in the size last given to SetSize.
	View() string
	// SetSize gives the screen the space left by the root's chrome.
	SetSize(width, height int) screenModel
	// Keys returns the key bindings that apply to the screen's state.
	Keys() KeyMap
}

// common is what every screen is built with.
type common struct {
	s      *session
	styles Styles
	keys   KeyMap
}

// nextMsg moves the wizard to the next screen of the flow; a screen sends it
// once its input is complete and valid.
type nextMsg struct{}

// backMsg moves the wizard to the previous screen of the flow.
type backMsg struct{}

// startFlowMsg starts a flow from the start screen.
type startFlowMsg struct{ flow flow }

// next returns a Cmd that sends nextMsg.
func next() tea.Msg { return nextMsg{} }

// errMsg moves the wizard into its error state, which shows what failed, the
// error and the hint until the user quits.
type errMsg struct {
	op   string // what was being done: "loading the kubeconfig"
	err  error
	hint string
}

// statusMsg replaces the status line above the help. The next key press
// clears it.
type statusMsg string

// chromeLines are the lines the root draws around the screen: the header
// above; a blank line, the status line and the help line below.
const chromeLines = 4

// defaultWidth is used until the terminal reports its size.
const defaultWidth = 80

// Model is the wizard's root model. Create it with New.
type Model struct {
	ctx    context.Context
	cancel context.CancelFunc // cancels every probe and step of this run

	s      *session
	styles Styles
	keys   KeyMap
	help   help.Model

	screen  screen
	pos     int // index of screen in flows[s.flow]
	screens [screenCount]screenModel

	width, height int
	status        string
	err           *errMsg
	quitting      bool
	printed       bool // the screen's final text was printed: the last frame is empty
}

// leaver is a screen that must know when it stops being the active one:
// it drops what it would otherwise do on its own later (going on once a
// check passes or a list loads).
type leaver interface {
	leave() screenModel
}

// finaler is a screen whose last words (the summary, what a teardown left)
// must stay in the terminal in full when the wizard quits on it, however
// small the window: the root prints them above the program, where they
// stay in the scrollback, and leaves the last frame empty.
type finaler interface {
	finalText() string
}

// New returns the wizard's root model, for tests and embedders that drive it
// with their own tea.Program; Run is the usual entry point. Its probes run
// until the user quits.
func New(opts Options) Model {
	return newModel(context.Background(), opts)
}

func newModel(ctx context.Context, opts Options) Model {
	ctx, cancel := context.WithCancel(ctx)
	styles, keys := DefaultStyles(), DefaultKeyMap()
	h := help.New()
	h.Styles = styles.Help
	s := newSession(ctx, opts)
	c := common{s: s, styles: styles, keys: keys}
	m := Model{ctx: ctx, cancel: cancel, s: s, styles: styles, keys: keys, help: h, width: defaultWidth}
	m.screens = [screenCount]screenModel{
		screenStart:     newStartModel(c),
		screenContexts:  newContextsModel(ctx, opts.Loader, opts.ProbeTimeout, styles, keys),
		screenTopology:  newTopologyModel(c),
		screenChecks:    newChecksModel(c),
		screenSecurity:  newSecurityModel(c),
		screenInjection: newInjectionModel(c),
		screenReview:    newReviewModel(c),
		screenInstall:   newInstallModel(c),
		screenSummary:   newSummaryModel(c),
		screenTeardown:  newTeardownModel(c),
	}
	return m.resize()
}

// Init enters the start screen.
func (m Model) Init() tea.Cmd {
	s, cmd := m.screens[m.screen].enter(true)
	m.screens[m.screen] = s // Init cannot return the model: enter must not change it
	return cmd
}

// Update handles window size, global keys, navigation and the wizard's own
// messages, forwards an ownedMsg to the screen that owns it and everything
// else to the active screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m.resize(), nil
	case tea.KeyPressMsg:
		if m.err != nil {
			switch {
			case key.Matches(msg, m.keys.Interrupt):
				return m.quit(), tea.Interrupt
			case key.Matches(msg, m.keys.Quit):
				return m.quit(), tea.Quit
			}
			return m, nil // the error state only quits
		}
		keys := m.screens[m.screen].Keys()
		switch {
		case key.Matches(msg, keys.Interrupt):
			return m.quit(), tea.Interrupt
		case key.Matches(msg, keys.Quit):
			if f, ok := m.screens[m.screen].(finaler); ok {
				if text := f.finalText(); text != "" {
					m = m.quit()
					m.printed = true
					return m, tea.Sequence(tea.Println(text), tea.Quit)
				}
			}
			return m.quit(), tea.Quit
		case key.Matches(msg, keys.Back):
			m.status = ""
			return m.move(-1)
		}
		m.status = ""
		s, cmd := m.screens[m.screen].Update(msg)
		m.screens[m.screen] = s
		return m, cmd
	case errMsg:
		m.err = &msg
		return m, nil
	case statusMsg:
		m.status = string(msg)
		return m, nil
	case startFlowMsg:
		m.s.flow = msg.flow
		m.pos = 0
		if cm, ok := m.screens[screenContexts].(contextsModel); ok {
			cm.title = contextsTitles[msg.flow]
			m.screens[screenContexts] = cm
		}
		return m.move(1)
	case contextsChosenMsg:
		m.s.choose(msg.contexts)
		m.status = "Connecting to " + plural(len(msg.contexts), "cluster") + "…"
		return m, buildClients(m.s.loader, msg.contexts)
	case clientsReadyMsg:
		if msg.err != nil {
			m.status = msg.err.Error()
			return m, nil
		}
		m.status = ""
		m.s.clients = msg.clients
		return m.move(1)
	case nextMsg:
		return m.move(1)
	case backMsg:
		return m.move(-1)
	}
	to := m.screen
	if o, ok := msg.(ownedMsg); ok {
		to = o.ownedBy()
	}
	s, cmd := m.screens[to].Update(msg)
	m.screens[to] = s
	return m, cmd
}

// move goes delta screens forward or back in the current flow and enters
// the screen it lands on. Back from the first screen after start returns to
// the start screen.
func (m Model) move(delta int) (tea.Model, tea.Cmd) {
	seq := flows[m.s.flow]
	pos := m.pos + delta
	if pos < 0 || pos >= len(seq) {
		return m, nil
	}
	if l, ok := m.screens[m.screen].(leaver); ok {
		m.screens[m.screen] = l.leave()
	}
	m.pos, m.screen = pos, seq[pos]
	s, cmd := m.screens[m.screen].enter(delta > 0)
	m.screens[m.screen] = s
	return m.resize(), cmd
}

// quit cancels everything still running and marks the final frame.
func (m Model) quit() Model {
	m.cancel()
	m.quitting = true
	return m
}

// resize hands the screens the space left by the root's chrome.
func (m Model) resize() Model {
	m.help.SetWidth(m.width)
	h := 0 // unknown height: screens draw everything
	if m.height > 0 {
		h = max(m.height-chromeLines, 1)
	}
	for i, s := range m.screens {
		if s != nil {
			m.screens[i] = s.SetSize(m.width, h)
		}
	}
	return m
}
