package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

func TestContextsRowsAppearBeforeProbesFinish(t *testing.T) {
	m := sized(t, 80, 24)
	if v := view(m); !strings.Contains(v, "reading the kubeconfig") {
		t.Fatalf("before the list arrives the screen should say it is reading the kubeconfig:\n%s", v)
	}

	m, cmd := updateCmd(m, loadedMsg(testContexts...))
	if cmd == nil {
		t.Fatal("loading the list returned no Cmd: the probes were not started")
	}
	for _, c := range testContexts {
		row := line(m, c.Name)
		if !strings.Contains(row, c.Server) || !strings.Contains(row, "probing…") {
			t.Errorf("row %q: want its server and a probing spinner", row)
		}
	}
	if row := line(m, "north"); !strings.Contains(row, "* north") {
		t.Errorf("the current context is not marked: %q", row)
	}
	if row := line(m, "east"); strings.Contains(row, "*") {
		t.Errorf("a context that is not current is marked: %q", row)
	}
	if !strings.Contains(view(m), "3 contexts · 0 reachable · 3 probing · 0 selected") {
		t.Errorf("summary missing:\n%s", view(m))
	}
}

func TestContextsProbeSuccessShowsVersion(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	m = update(t, m, probed(m, okProbe(testContexts[0], "v1.34.4", 12*time.Millisecond)))

	if row := line(m, "east"); !strings.Contains(row, GlyphOK+" v1.34.4  12ms") {
		t.Errorf("east row = %q, want ✓ with the version and latency", row)
	}
	if row := line(m, "west"); !strings.Contains(row, "probing…") {
		t.Errorf("west row = %q, want it still probing", row)
	}
	m = update(t, m, press("up")) // the cursor starts on north (current); east is above
	if v := view(m); !strings.Contains(v, "answered in 12ms: Kubernetes v1.34.4") {
		t.Errorf("detail of the cursor row missing:\n%s", v)
	}
}

func TestContextsProbeFailureShowsReasonAndHint(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	m = update(t, m, probed(m, refusedProbe(testContexts[2])))

	v := view(m)
	if row := line(m, "west"); !strings.Contains(row, GlyphFail+" connection refused") {
		t.Errorf("west row = %q, want ✗ connection refused", row)
	}
	if !strings.Contains(v, "↳ check that the cluster is running") {
		t.Errorf("the hint is not under the failed row:\n%s", v)
	}
	m = update(t, m, press("j"))
	v = view(m)
	for _, want := range []string{
		"west · cluster west · user west-admin",
		"connection refused: nothing listens at the server address",
		"hint: check that the cluster is running and that the server URL and port in the",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("detail of the failed cursor row lacks %q:\n%s", want, v)
		}
	}
	if !strings.Contains(v, "1 unreachable") {
		t.Errorf("summary does not count the failure:\n%s", v)
	}
}

func TestContextsRefreshDropsStaleProbes(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	stale := probed(m, okProbe(testContexts[0], "v1.30.0", time.Millisecond))

	m, cmd := updateCmd(m, press("r"))
	if cmd == nil {
		t.Fatal("r returned no Cmd: the kubeconfig is not reloaded")
	}
	m = update(t, m, stale, loadedMsg(testContexts...), stale)
	if row := line(m, "east"); !strings.Contains(row, "probing…") {
		t.Errorf("east row = %q: a result from before r was shown", row)
	}
	m = update(t, m, probed(m, okProbe(testContexts[0], "v1.34.4", time.Millisecond)))
	if row := line(m, "east"); !strings.Contains(row, "v1.34.4") {
		t.Errorf("east row = %q, want the new result", row)
	}
}

func TestContextsCursorStartsOnCurrentAndMoves(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	cursorOn := func(m Model) string { return contextsScreen(m).rows[contextsScreen(m).cursor].Name }

	if got := cursorOn(m); got != "north" {
		t.Fatalf("cursor starts on %q, want the current context north", got)
	}
	if row := line(m, "north"); !strings.HasPrefix(row, "›") {
		t.Errorf("the cursor row is not marked: %q", row)
	}
	for _, step := range []struct {
		key, want string
	}{
		{"down", "west"}, {"j", "west"}, {"up", "north"}, {"k", "east"}, {"k", "east"},
	} {
		m = update(t, m, press(step.key))
		if got := cursorOn(m); got != step.want {
			t.Fatalf("after %s the cursor is on %q, want %q", step.key, got, step.want)
		}
	}
}

func TestContextsSelectionToggles(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))

	m = update(t, m, press("space"))
	if row := line(m, "north"); !strings.Contains(row, "[x]") {
		t.Fatalf("space did not select north: %q", row)
	}
	m = update(t, m, press("k"), press("space"))
	if !strings.Contains(line(m, "east"), "[x]") || !strings.Contains(view(m), "2 selected") {
		t.Fatalf("east not selected:\n%s", view(m))
	}
	m = update(t, m, press("space"))
	if row := line(m, "east"); !strings.Contains(row, "[ ]") {
		t.Errorf("a second space did not unselect east: %q", row)
	}
	if row := line(m, "west"); !strings.Contains(row, "[ ]") {
		t.Errorf("west was never selected: %q", row)
	}
}

func TestContextsEnterReportsSelection(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...), press("space"), press("j"), press("space"))

	m, cmd := updateCmd(m, press("enter"))
	if cmd == nil {
		t.Fatal("enter returned no Cmd")
	}
	msg := cmd()
	chosen, ok := msg.(contextsChosenMsg)
	if !ok || len(chosen.contexts) != 2 || chosen.contexts[0].Name != "north" || chosen.contexts[1].Name != "west" {
		t.Fatalf("enter sent %#v, want the north and west contexts", msg)
	}
	m, cmd = updateCmd(m, chosen)
	want := "Connecting to 2 clusters…"
	if !strings.Contains(view(m), want) {
		t.Errorf("status line missing %q:\n%s", want, view(m))
	}
	if got := m.s.cfg.Clusters; len(got) != 2 || got[0].Name != "north" || got[1].Context != "west" {
		t.Errorf("the mesh config's clusters = %+v, want north and west", got)
	}
	if cmd == nil {
		t.Fatal("choosing returned no Cmd to build the clients")
	}
	m = update(t, m, clientsReadyMsg{clients: map[string]*kube.Client{}})
	if m.screen != screenTopology || strings.Contains(view(m), want) {
		t.Errorf("with the clients built the wizard should be on the topology screen, status cleared:\n%s", view(m))
	}
	m = update(t, m, press("esc"))
	if m.screen != screenContexts || !strings.Contains(line(m, "west"), "[x]") {
		t.Errorf("back did not return to the contexts with the selection kept:\n%s", view(m))
	}
}

func TestContextsEnterWithoutSelection(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	m, cmd := updateCmd(m, press("enter"))
	if cmd == nil {
		t.Fatal("enter with nothing selected returned no Cmd")
	}
	m = update(t, m, cmd())
	if !strings.Contains(view(m), "Select one or more clusters with space") {
		t.Errorf("no advice when enter is pressed with nothing selected:\n%s", view(m))
	}
}

func TestContextsEmptyKubeconfig(t *testing.T) {
	for _, tt := range []struct {
		name     string
		msg      contextsLoadedMsg
		headline string
	}{
		{"no kubeconfig", contextsLoadedMsg{files: []string{"/home/u/.kube/config"},
			err: fmt.Errorf("%w (looked in /home/u/.kube/config)", kube.ErrNoKubeconfig)}, "No kubeconfig found."},
		{"no contexts", contextsLoadedMsg{files: []string{"/k"},
			err: errors.New("kubeconfig /k defines no contexts")}, "Could not read the kubeconfig: kubeconfig /k defines no contexts"},
		{"empty list", contextsLoadedMsg{files: []string{"/k"}}, "The kubeconfig defines no contexts."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := update(t, sized(t, 80, 24), tt.msg)
			v := view(m)
			for _, want := range []string{tt.headline, "make sandbox", "starts loopback clusters", "--kubeconfig FILE", "KUBECONFIG=a:b", "r reload", "q quit"} {
				if !strings.Contains(v, want) {
					t.Errorf("empty state lacks %q:\n%s", want, v)
				}
			}
			if strings.Contains(v, "space") || strings.Contains(v, "enter") {
				t.Errorf("the help offers keys that do nothing here:\n%s", v)
			}
			m = update(t, m, press("space"), press("j"), press("enter")) // must not panic on no rows
			if _, cmd := updateCmd(m, press("r")); cmd == nil {
				t.Error("r does not reload the kubeconfig")
			}
		})
	}
}

// wideContexts have long names, long server URLs and long results.
func wideContexts(n int) (cs []kube.Context, probes []kube.Probe) {
	for i := range n {
		c := kube.Context{
			Name:    fmt.Sprintf("arn:aws:eks:eu-west-1:123456789012:cluster/production-mesh-%02d", i),
			Cluster: "cluster", User: "user",
			Server: fmt.Sprintf("https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com:%d", 6443+i),
		}
		cs = append(cs, c)
		switch i % 3 {
		case 0:
			probes = append(probes, okProbe(c, "v1.30.2-eks-1587003abcdef0123", 1234*time.Millisecond))
		case 1:
			p := refusedProbe(c)
			probes = append(probes, p)
		case 2:
			probes = append(probes, kube.Probe{Context: c.Name, Server: c.Server, Reason: kube.ReasonExecPlugin,
				Err: &kube.ContextError{Context: c.Name, Server: c.Server, Op: "reading server version",
					Err: errors.New("getting credentials: exec: executable aws-iam-authenticator-with-a-long-name not found")}})
		}
	}
	return cs, probes
}

// checkFits fails when a line of the frame is wider than width cells or the
// frame is taller than height lines.
func checkFits(t *testing.T, m Model, width, height int) {
	t.Helper()
	content := m.View().Content
	lines := strings.Split(content, "\n")
	if len(lines) > height {
		t.Errorf("frame has %d lines, terminal has %d:\n%s", len(lines), height, ansi.Strip(content))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d cells wide, terminal has %d: %q", i, w, width, ansi.Strip(l))
		}
	}
}

func TestContextsFitTheTerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {60, 20}, {40, 12}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			cs, probes := wideContexts(6)
			m := update(t, sized(t, size[0], size[1]), loadedMsg(cs...))
			checkFits(t, m, size[0], size[1])
			for _, p := range probes {
				m = update(t, m, probed(m, p))
			}
			for range cs {
				checkFits(t, m, size[0], size[1])
				m = update(t, m, press("down"))
			}
		})
	}
}

func TestContextsResize(t *testing.T) {
	cs, probes := wideContexts(3)
	m := update(t, sized(t, 120, 40), loadedMsg(cs...))
	for _, p := range probes {
		m = update(t, m, probed(m, p))
	}
	wide := line(m, "-00 ")
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	checkFits(t, m, 80, 24)
	narrow := line(m, "-00 ")
	if ansi.StringWidth(narrow) >= ansi.StringWidth(wide) {
		t.Errorf("row did not shrink with the terminal:\n120: %q\n 80: %q", wide, narrow)
	}
	if !strings.Contains(narrow, "…") || !strings.Contains(narrow, ":6443") {
		t.Errorf("long server URL should be cut in the middle, keeping the port: %q", narrow)
	}
}

func TestContextsScrollKeepsCursorVisible(t *testing.T) {
	cs, probes := wideContexts(30)
	m := update(t, sized(t, 80, 24), loadedMsg(cs...))
	for _, p := range probes {
		m = update(t, m, probed(m, p))
	}
	for i := range cs {
		if !strings.HasPrefix(line(m, fmt.Sprintf("-%02d ", i)), "›") { // rows come before the detail
			t.Fatalf("cursor row %d is not drawn:\n%s", i, view(m))
		}
		checkFits(t, m, 80, 24)
		m = update(t, m, press("down"))
	}
	if v := view(m); !strings.Contains(v, "↑ ") || strings.Contains(v, "↓ 1") {
		t.Errorf("at the bottom the summary should say rows are hidden above only:\n%s", v)
	}
}

func TestTruncateMiddle(t *testing.T) {
	for _, tt := range []struct {
		in    string
		width int
		want  string
	}{
		{"https://127.0.0.1:6443", 30, "https://127.0.0.1:6443"},
		{"https://api.very-long-cluster-name.example.com:6443", 24, "https://api.ver…com:6443"},
		{"https://x.example.com:6443", 4, "htt…"},
	} {
		got := truncateMiddle(tt.in, tt.width)
		if got != tt.want || ansi.StringWidth(got) > tt.width {
			t.Errorf("truncateMiddle(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

// TestContextsCmdsLoadAndProbe runs the screen's Cmds for real: the list Cmd
// reads a kubeconfig file and the probe Cmd reaches a closed loopback port.
func TestContextsCmdsLoadAndProbe(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	l := kubeconfigFile(t, map[string]string{"dead": testbed.ClosedURL(t)}, nil)
	m := New(Options{Loader: l, ProbeTimeout: 5 * time.Second})
	t.Cleanup(m.cancel)

	if cmd := m.Init(); cmd != nil {
		t.Errorf("the start screen started work before a flow was chosen: %T", cmd())
	}
	m, cmd := updateCmd(m, startFlowMsg{flow: flowSetup})
	loaded := findMsg[contextsLoadedMsg](t, cmd)
	if loaded.err != nil || len(loaded.contexts) != 1 || loaded.files[0] != l.Kubeconfig {
		t.Fatalf("list Cmd returned %+v", loaded)
	}
	m, cmd = updateCmd(m, loaded)
	result := findMsg[probeResultMsg](t, cmd)
	m = update(t, m, result)
	if row := line(m, "dead"); !strings.Contains(row, "connection refused") {
		t.Errorf("row = %q, want connection refused", row)
	}
}

// findMsg runs cmd, descending into batches, and returns the first message
// of type T. The Cmds run one after the other.
func findMsg[T tea.Msg](t *testing.T, cmd tea.Cmd) T {
	t.Helper()
	var zero T
	if cmd == nil {
		t.Fatalf("no Cmd to find a %T in", zero)
	}
	var search func(tea.Cmd) (T, bool)
	search = func(c tea.Cmd) (T, bool) {
		if c == nil {
			return zero, false
		}
		switch msg := c().(type) {
		case T:
			return msg, true
		case tea.BatchMsg:
			for _, sub := range msg {
				if found, ok := search(sub); ok {
					return found, true
				}
			}
		}
		return zero, false
	}
	found, ok := search(cmd)
	if !ok {
		t.Fatalf("no %T among the Cmd's messages", zero)
	}
	return found
}

func TestContextsRefusesAnUnreachableSelection(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	m = update(t, m, probeResultMsg{gen: contextsScreen(m).gen, probe: refusedProbe(testContexts[0])})
	i := contextsScreen(m).index(testContexts[0].Name)
	cm := contextsScreen(m)
	cm.rows[i].selected = true
	m.screens[screenContexts] = cm
	m, cmd := updateCmd(m, press("enter"))
	if cmd == nil {
		t.Fatal("enter returned no Cmd")
	}
	if got, ok := cmd().(statusMsg); !ok || !strings.Contains(string(got), "does not answer (connection refused)") {
		t.Errorf("enter with an unreachable cluster selected sent %#v, want a status naming it", cmd())
	}
}

func TestContextsHelpFitsWithQuit(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	if l := line(m, "q quit"); l == "" || !strings.Contains(l, "↑/↓ move") {
		t.Errorf("the help line at 80 columns lacks q quit or the arrows:\n%s", view(m))
	}
}
