package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/golden"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/teardown"
)

// frameDuration matches a duration as the wizard prints them (12ms, 1.2s,
// 2m13s), which depend on the clock where the frame shows the time since
// something started.
var frameDuration = regexp.MustCompile(`\b\d+(\.\d+)?(ms|s|m\d+s|m)\b`)

// frame is the ANSI-stripped frame of m with durations replaced by <d>.
func frame(m Model) string {
	return frameDuration.ReplaceAllString(view(m), "<d>")
}

// goldenFrame compares the normalised 80×24 frame of m with
// testdata/TestFramesGolden/<subtest>.golden; go test -run TestFramesGolden
// ./internal/tui/ -update rewrites the files (internal/golden shares the
// flag with the golden package teatest uses).
func goldenFrame(t *testing.T, m Model) {
	t.Helper()
	got := frame(m)
	if n := strings.Count(got, "\n") + 1; n > 24 {
		t.Errorf("the frame has %d lines, more than the terminal's 24", n)
	}
	golden.CheckTest(t, []byte(got))
}

// The key frames of the wizard at 80×24, drawn from the screens' own
// messages (probes, the engine's events, discovery), against golden files.
func TestFramesGolden(t *testing.T) {
	t.Run("contexts", func(t *testing.T) {
		m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
		m = update(t, m, probed(m, okProbe(testContexts[0], "v1.34.4", 12*time.Millisecond)),
			probed(m, okProbe(testContexts[1], "v1.33.2", 40*time.Millisecond)),
			probed(m, refusedProbe(testContexts[2])), press("up"), press("space"))
		goldenFrame(t, m)
	})
	t.Run("review", func(t *testing.T) {
		m := reviewAt(t, 80, 24, reviewNetworkPerCluster, "east", "west")
		// Paths of a fixed length: the review wraps them.
		m.s.opts.Dir, m.s.cfg.Security.CA.Dir = "/home/me/work", "/home/me/work/certs"
		s, _ := m.screens[screenReview].enter(true)
		m.screens[screenReview] = s
		goldenFrame(t, m.resize())
	})
	t.Run("install-running", func(t *testing.T) {
		m := installStarted(t, 80, 24, reviewNetworkPerCluster, "east", "west")
		m = installPassLane(t, m, "east", 3)
		m = update(t, m, installEv(m, "east", install.IDGateway, steps.Running, "1/2 replicas ready", 40*time.Second))
		m = update(t, m, installFailEv(m, "west", install.IDBase, "installing istio-base: timed out", "check the API server"))
		goldenFrame(t, m)
	})
	t.Run("summary", func(t *testing.T) {
		m := summaryAfter(t, 80, 24, summaryPassAll(t))
		m.s.configPath = "/home/me/mesh.yaml"
		goldenFrame(t, m)
	})
	t.Run("teardown-preview", func(t *testing.T) {
		m := teardownScreenModel(t)
		inv := &teardown.Inventory{Clusters: []*teardown.Cluster{
			{Context: "east", Reachable: true, HasRecord: true, Objects: []teardown.Object{
				{Category: teardown.CatRelease, Kind: "Release", Namespace: "istio-system", Name: "istiod", Action: teardown.Remove, Reason: teardown.ReasonRecord},
				{Category: teardown.CatRelease, Kind: "Release", Namespace: "istio-system", Name: "istio-base", Action: teardown.Remove, Reason: teardown.ReasonRecord},
				{Category: teardown.CatContent, Kind: "ConfigMap", Namespace: "istio-system", Name: "mine", Action: teardown.Keep, Reason: teardown.ReasonNotOurs},
			}},
			{Context: "west", Reachable: false, Error: "connection refused"},
		}}
		m = update(t, m, teardownFoundMsg{id: teardownScreen(m).id, inv: inv})
		goldenFrame(t, m)
	})
}

// A golden frame fails when the frame changes: one cell is enough.
func TestFramesGoldenNoticeAChange(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	want, err := os.ReadFile(filepath.Join("testdata", "TestFramesGolden", "contexts.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if frame(m) == string(want) {
		t.Errorf("a frame with every probe still running matches the golden frame of finished probes")
	}
}
