package tui

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// topologyCmdWait is how long topologyRun waits for a Cmd's message. huh
// moves between fields through Cmds that answer at once; cursor blinks and
// ticks take longer and are dropped.
const topologyCmdWait = 60 * time.Millisecond

// topologyRun feeds msgs to m one after the other. After each it runs the
// Cmds the model returned, as Bubble Tea would, and feeds their messages
// too, until none is left that answers within topologyCmdWait.
func topologyRun(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	m, _ = topologyDrive(t, m, false, msgs...)
	return m
}

// topologyRunNext is topologyRun that keeps the wizard on its screen: a
// nextMsg or backMsg is not fed to the root but held (the next screens
// belong to others, and their Cmds would run too). It reports whether a
// nextMsg was held.
func topologyRunNext(t *testing.T, m Model, msgs ...tea.Msg) (Model, bool) {
	t.Helper()
	m, held := topologyDrive(t, m, true, msgs...)
	for _, h := range held {
		if _, ok := h.(nextMsg); ok {
			return m, true
		}
	}
	return m, false
}

func topologyDrive(t *testing.T, m Model, hold bool, msgs ...tea.Msg) (Model, []tea.Msg) {
	t.Helper()
	var held []tea.Msg
	for _, msg := range msgs {
		queue := []tea.Msg{msg}
		for n := 0; len(queue) > 0; n++ {
			if n > 2000 {
				t.Fatalf("the messages of %#v never settle", msg)
			}
			switch queue[0].(type) {
			case nextMsg, backMsg:
				if hold {
					held = append(held, queue[0])
					queue = queue[1:]
					continue
				}
			}
			var cmd tea.Cmd
			m, cmd = updateCmd(m, queue[0])
			queue = append(queue[1:], topologyMsgs(cmd)...)
		}
	}
	return m, held
}

// topologyMove moves the wizard delta screens along the flow without
// entering the screens in between, and runs the Cmds of the screen it
// lands on.
func topologyMove(t *testing.T, m Model, delta int) Model {
	t.Helper()
	next, cmd := m.move(delta)
	m = next.(Model)
	var msgs []tea.Msg
	msgs = append(msgs, topologyMsgs(cmd)...)
	m, _ = topologyDrive(t, m, true, msgs...)
	return m
}

// topologySized is sized with options.
func topologySized(t *testing.T, width, height int, opts Options) Model {
	t.Helper()
	m := New(opts)
	t.Cleanup(m.cancel)
	return update(t, m, tea.WindowSizeMsg{Width: width, Height: height}, startFlowMsg{flow: flowSetup})
}

// topologyMsgs runs cmd (batches concurrently; a form page yields no
// sequences) and
// returns the messages that arrive within topologyCmdWait.
func topologyMsgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(topologyCmdWait):
		return nil
	}
	if msg == nil {
		return nil
	}
	if batch, ok := msg.(tea.BatchMsg); ok {
		results := make([][]tea.Msg, len(batch))
		var wg sync.WaitGroup
		for i, c := range batch {
			wg.Go(func() { results[i] = topologyMsgs(c) })
		}
		wg.Wait()
		var out []tea.Msg
		for _, r := range results {
			out = append(out, r...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// topologyType types s, a key press per character.
func topologyType(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// topologyKeys are key presses: names as press knows them, plus tab,
// shift+tab, backspace, left and right.
func topologyKeys(names ...string) []tea.Msg {
	var out []tea.Msg
	for _, n := range names {
		switch n {
		case "tab":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyTab})
		case "shift+tab":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
		case "backspace":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyBackspace})
		case "left":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyLeft})
		case "right":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyRight})
		case "esc":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEscape})
		default:
			out = append(out, press(n))
		}
	}
	return out
}

// topologyClear empties the focused input (ctrl+u deletes what is before
// the cursor, which stands at the end).
func topologyClear() []tea.Msg {
	return []tea.Msg{tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}}
}

// topologyPaste pastes s: one message, faster than typing it.
func topologyPaste(s string) []tea.Msg {
	return []tea.Msg{tea.PasteMsg{Content: s}}
}

// topologyFakeClient is a client bundle on a fake clientset holding objs.
func topologyFakeClient(context string, objs ...runtime.Object) *kube.Client {
	return &kube.Client{Context: context, Server: "https://" + context + ".example:6443", Kube: fake.NewClientset(objs...)}
}

// topologyNode is a node with pod CIDRs.
func topologyNode(name string, cidrs ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{PodCIDRs: cidrs}}
	if len(cidrs) > 0 {
		n.Spec.PodCIDR = cidrs[0]
	}
	return n
}

// topologyOn returns a wizard of width×height on the topology screen with
// contexts chosen and clients (by context; a missing one has none).
func topologyOn(t *testing.T, width, height int, contexts []kube.Context, clients map[string]*kube.Client) Model {
	t.Helper()
	return topologyOnWith(t, width, height, Options{}, contexts, clients)
}

// topologyOnWith is topologyOn with options.
func topologyOnWith(t *testing.T, width, height int, opts Options, contexts []kube.Context, clients map[string]*kube.Client) Model {
	t.Helper()
	m := update(t, topologySized(t, width, height, opts), contextsChosenMsg{contexts: contexts})
	if clients == nil {
		clients = map[string]*kube.Client{}
	}
	m = topologyRun(t, m, clientsReadyMsg{clients: clients})
	if m.screen != screenTopology {
		t.Fatalf("not on the topology screen:\n%s", view(m))
	}
	return m
}

// topologyScreen returns the topology screen's model.
func topologyScreen(m Model) topologyModel {
	return m.screens[screenTopology].(topologyModel)
}
