package tui

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkFirstFrame50Contexts measures the time from choosing a flow to
// the first frame that lists every context, with a kubeconfig of 50
// contexts: reading and merging the kubeconfig (the load Cmd), the update
// that shows the rows and starts the probes, and the View. The probes
// themselves are not run: the rows appear before any answers. The file's
// modification time changes every iteration, so that each one reads it
// afresh as a new process would (kube caches a read per file version).
func BenchmarkFirstFrame50Contexts(b *testing.B) { benchmarkFirstFrame(b, 50) }

// BenchmarkFirstFrame500Contexts is the same with 500 contexts.
func BenchmarkFirstFrame500Contexts(b *testing.B) { benchmarkFirstFrame(b, 500) }

func benchmarkFirstFrame(b *testing.B, n int) {
	servers := map[string]string{}
	for i := range n {
		servers[fmt.Sprintf("cluster-%03d", i)] = fmt.Sprintf("https://127.0.0.1:%d", 40000+i)
	}
	l := kubeconfigFile(b, servers, nil)
	b.ReportAllocs()
	mtime := time.Now()
	for b.Loop() {
		mtime = mtime.Add(time.Second)
		if err := os.Chtimes(l.Kubeconfig, mtime, mtime); err != nil {
			b.Fatal(err)
		}
		m := New(Options{Loader: l})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		next, cmd := next.(Model).Update(startFlowMsg{flow: flowSetup})
		loaded, _ := firstMsg[contextsLoadedMsg](cmd)
		next, _ = next.(Model).Update(loaded)
		frame := next.(Model).View().Content
		if len(loaded.contexts) != n || strings.Count(frame, "cluster-") < 10 {
			b.Fatalf("%d contexts loaded", len(loaded.contexts))
		}
		m.cancel()
	}
}

// firstMsg runs cmd, descending into batches in order, and returns the first
// message of type T (the zero value when there is none). It stops at the
// first match, so Cmds after it (a spinner's tick) do not run.
func firstMsg[T tea.Msg](cmd tea.Cmd) (T, bool) {
	var zero T
	if cmd == nil {
		return zero, false
	}
	switch msg := cmd().(type) {
	case T:
		return msg, true
	case tea.BatchMsg:
		for _, sub := range msg {
			if found, ok := firstMsg[T](sub); ok {
				return found, true
			}
		}
	}
	return zero, false
}
