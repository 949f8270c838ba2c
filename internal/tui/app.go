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
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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

// screen identifies a wizard screen. The wizard walks them in this order;
// later screens slot in before screenCount.
type screen int

const (
	screenContexts screen = iota // pick the clusters (screen_contexts.go)
	// screenTopology, screenChecks, screenSecurity, screenReview,
	// screenInstall and screenSummary come in later issues.
	screenCount
)

// screenModel is one wizard screen: a sub-model in its own file. The root
// model handles window size and global keys, and forwards everything else
// to the active screen.
type screenModel interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (screenModel, tea.Cmd)
	// View renders the screen in the size last given to SetSize.
	View() string
	// SetSize gives the screen the space left by the root's status and help
	// lines.
	SetSize(width, height int) screenModel
	// Keys returns the key bindings that apply to the screen's state.
	Keys() KeyMap
}

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

// chromeLines are the lines the root draws below the screen: a blank line,
// the status line and the help line.
const chromeLines = 3

// defaultWidth is used until the terminal reports its size.
const defaultWidth = 80

// Model is the wizard's root model. Create it with New.
type Model struct {
	ctx    context.Context
	cancel context.CancelFunc // cancels every probe and step of this run

	styles Styles
	keys   KeyMap
	help   help.Model

	screen  screen
	screens [screenCount]screenModel

	width, height int
	status        string
	err           *errMsg
	quitting      bool
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
	m := Model{ctx: ctx, cancel: cancel, styles: styles, keys: keys, help: h, width: defaultWidth}
	m.screens[screenContexts] = newContextsModel(ctx, opts.Loader, opts.ProbeTimeout, styles, keys)
	return m.resize()
}

// Init starts the first screen.
func (m Model) Init() tea.Cmd {
	return m.screens[m.screen].Init()
}

// Update handles window size, global keys and the wizard's own messages,
// and forwards everything else to the active screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m.resize(), nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Interrupt):
			return m.quit(), tea.Interrupt
		case key.Matches(msg, m.keys.Quit):
			return m.quit(), tea.Quit
		case m.err != nil:
			return m, nil // the error state only quits
		}
		m.status = ""
	case errMsg:
		m.err = &msg
		return m, nil
	case statusMsg:
		m.status = string(msg)
		return m, nil
	case contextsChosenMsg:
		// The topology screen comes in a later issue; until then say what
		// was chosen and stay on the contexts screen.
		m.status = fmt.Sprintf("%s selected — the next screens (topology, checks, install) are coming",
			plural(len(msg.contexts), "cluster"))
		return m, nil
	}
	s, cmd := m.screens[m.screen].Update(msg)
	m.screens[m.screen] = s
	return m, cmd
}

// quit cancels everything still running and marks the final frame.
func (m Model) quit() Model {
	m.cancel()
	m.quitting = true
	return m
}

// resize hands the screens the space left below the root's chrome.
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

// View draws the active screen (or the error state), the status line and
// the help line. The help line is left out of the final frame, which stays
// in the scrollback.
func (m Model) View() tea.View {
	body, keys := m.errorView(), m.errorKeys()
	if m.err == nil {
		body = m.screens[m.screen].View()
		keys = m.screens[m.screen].Keys()
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(body, "\n"))
	b.WriteString("\n\n")
	b.WriteString(fit(m.styles.Status.Render(m.status), m.width))
	if !m.quitting {
		b.WriteString("\n")
		b.WriteString(m.help.View(keys))
	}
	v := tea.NewView(b.String())
	v.WindowTitle = "meshwiz"
	return v
}

// errorView renders the error state.
func (m Model) errorView() string {
	if m.err == nil {
		return ""
	}
	s := m.styles
	lines := []string{s.Fail.Render(GlyphFail) + " " + s.Title.Render(m.err.op+" failed"), ""}
	lines = append(lines, wrap(m.err.err.Error(), m.width)...)
	if m.err.hint != "" {
		lines = append(lines, "")
		lines = append(lines, wrap(s.Subtle.Render("hint: ")+m.err.hint, m.width)...)
	}
	lines = append(lines, "", s.Subtle.Render("Press q to quit."))
	return strings.Join(lines, "\n")
}

// errorKeys are the bindings of the error state: only quitting.
func (m Model) errorKeys() KeyMap {
	k := m.keys
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Toggle, &k.Refresh, &k.Next} {
		b.SetEnabled(false)
	}
	return k
}

// fit truncates a one-line string to width cells.
func fit(s string, width int) string {
	return ansi.Truncate(s, width, "…")
}

// wrap word-wraps s to width cells and returns its lines.
func wrap(s string, width int) []string {
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}

// plural returns "1 cluster", "2 clusters".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
