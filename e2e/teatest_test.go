package e2e

import (
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/tui"
)

// TestWizardFlowTeatest runs the whole guided setup in a tea.Program
// (teatest) against gamma and delta: start, clusters, topology, checks,
// security, injection, review, install, summary. Loopback API servers are
// accepted up front (tui.Options), and the CA uses 2048-bit keys to save
// time.
func TestWizardFlowTeatest(t *testing.T) {
	b := testbed.MustShared(t)
	dir := t.TempDir()
	t.Setenv("HOME", t.TempDir())
	m := tui.New(tui.Options{Loader: kube.Loader{Kubeconfig: b.Kubeconfig}, Dir: dir, CADir: filepath.Join(dir, "ca"),
		KeyBits: 2048, AllowLoopbackServers: true, ProbeTimeout: 30 * time.Second})
	frame := &atomic.Value{}
	frame.Store("")
	tm := teatest.NewTestModel(t, framed{m, frame}, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	go func() { _, _ = io.Copy(io.Discard, tm.Output()) }() // the terminal's bytes are not read here
	// wait polls the last frame the program drew (the renderer sends only
	// the cells that changed, so the byte stream cannot be searched).
	wait := func(timeout time.Duration, want ...string) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			s := frame.Load().(string)
			missing := slices.IndexFunc(want, func(w string) bool { return !strings.Contains(s, w) })
			if missing < 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %s the frame does not show %q:\n%s", timeout, want[missing], s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	keys := func(ks ...string) {
		for _, k := range ks {
			tm.Send(keyPress(k))
			time.Sleep(30 * time.Millisecond)
		}
	}

	wait(10*time.Second, "Guided setup")
	keys("enter")
	wait(60*time.Second, "gamma", "v1.34.4")
	keys("up", "up", "up", "up", "down", "down", "space", "down", "space", "enter") // delta, gamma
	wait(20*time.Second, "Deployment model")
	keys("enter", "enter")
	wait(20*time.Second, "Networks")
	keys("enter", "enter")
	wait(10*time.Second, "Cluster 1 of 2")
	keys("enter", "enter")
	wait(10*time.Second, "Cluster 2 of 2")
	keys("enter", "enter")
	wait(60*time.Second, "Prerequisite checks")
	wait(60*time.Second, "press a to accept")
	keys("a", "enter")
	wait(20*time.Second, "Mutual TLS")
	keys("enter", "enter", "enter")
	wait(20*time.Second, "Sidecar injection")
	keys("enter")
	wait(20*time.Second, "Review")
	keys("enter")
	wait(10*time.Second, "y/n")
	keys("y")
	wait(4*time.Minute, "The mesh is installed")
	keys("enter")
	wait(10*time.Second, "How to verify it")
	keys("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	for _, c := range []string{"delta", "gamma"} {
		cs := b.Cluster(c).Clientset()
		if _, err := cs.AppsV1().Deployments("istio-system").Get(t.Context(), "istiod", metav1.GetOptions{}); err != nil {
			t.Errorf("%s: istiod: %v", c, err)
		}
		if _, err := cs.CoreV1().Secrets("istio-system").Get(t.Context(), "cacerts", metav1.GetOptions{}); err != nil {
			t.Errorf("%s: cacerts: %v", c, err)
		}
		if _, err := cs.CoreV1().ConfigMaps("istio-system").Get(t.Context(), install.RecordName, metav1.GetOptions{}); err != nil {
			t.Errorf("%s: record: %v", c, err)
		}
	}
}

// framed is the wizard with every frame it draws kept, ANSI-stripped.
type framed struct {
	tea.Model
	frame *atomic.Value
}

func (f framed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := f.Model.Update(msg)
	return framed{m, f.frame}, cmd
}

func (f framed) View() tea.View {
	v := f.Model.View()
	f.frame.Store(ansi.Strip(v.Content))
	return v
}

// keyPress is the key press Bubble Tea reports for a key name.
func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}
