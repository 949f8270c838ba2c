package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// BenchmarkInstallView renders the install screen of 3 clusters × 25 steps
// in mixed states: finished lanes with durations, running steps with their
// detail, a failure with its error and hint, skipped and pending steps. At
// 60 frames a second a frame has 16ms.
func BenchmarkInstallView(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			m := installBenchModel(size[0], size[1])
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// installBenchModel is an install screen of width×height (the terminal's:
// the root's chrome is taken off) in the middle of a run of 3 lanes of 25
// steps.
func installBenchModel(width, height int) installModel {
	s := newSession(context.Background(), Options{})
	m := newInstallModel(common{s: s, styles: DefaultStyles(), keys: DefaultKeyMap()})
	m.cfg = &mesh.Config{MeshID: "mesh1", Security: mesh.Security{CA: mesh.CA{Dir: "./meshwiz-certs"}}}
	m.phase, m.id = installRunning, s.newRun(screenInstall)
	m.caMessage = `generated the mesh CA in ./meshwiz-certs (private keys 0600); root "meshwiz root" sha256 0123456789abcdef…`
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m.started, m.now = t0, t0.Add(97*time.Second)
	var plan []steps.Step
	for _, name := range []string{"east", "west", "north"} {
		m.cfg.Clusters = append(m.cfg.Clusters, mesh.Cluster{Context: name, Name: name, Role: mesh.Primary, Network: "net-" + name})
		for i := range 25 {
			plan = append(plan, steps.Step{ID: fmt.Sprintf("bench/step-%02d", i), Cluster: name,
				Title: fmt.Sprintf("step %d of cluster %s does its part of the install", i+1, name)})
		}
	}
	m.lanes, m.where = installLanes(m.cfg, plan)
	m.total = len(plan)
	// east: 12 passed, the 13th running; west: 8 passed, a failure, the
	// rest skipped; north: 20 passed, a warning, the 22nd running.
	for li, l := range m.lanes {
		for i := range l.steps {
			st := &m.lanes[li].steps[i]
			switch {
			case li == 0 && i < 12, li == 1 && i < 8, li == 2 && i < 20:
				st.status, st.message, st.took = steps.Passed, "up to date", time.Duration(i+1)*700*time.Millisecond
			case li == 0 && i == 12, li == 2 && i == 21:
				st.status, st.message, st.started = steps.Running, "istiod 0/1 ready", t0.Add(80*time.Second)
			case li == 1 && i == 8:
				st.status, st.took = steps.Failed, 61*time.Second
				st.message = "timed out waiting for the condition (the step's limit is 6m0s)"
				st.hint = "see the error above; `helm status <release> -n istio-system --kube-context <context>` shows the release"
			case li == 1:
				st.status, st.message, st.reason = steps.Skipped, "not run: bench/step-08@west did not succeed", steps.Blocked
			case li == 2 && i == 20:
				st.status, st.message, st.took = steps.Warned, "the gateway's address is a hostname", 3*time.Second
			}
			if st.status.Final() {
				m.finished++
			}
		}
	}
	return m.SetSize(width, height-chromeLines).(installModel)
}
