package tui

import (
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// A message nobody owns (here the contexts screen's spinner tick) goes to
// the active screen only, while the answer to a screen's own work (a probe)
// reaches that screen though another one is shown.
func TestMessagesGoToTheActiveScreenAndOwnedOnesToTheirOwner(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	m = update(t, m, probed(m, okProbe(testContexts[0], "v1.34.4", 12*time.Millisecond)))
	tick := spinner.TickMsg{ID: contextsScreen(m).spinner.ID(), Time: time.Now()}
	// west and north still probe; the user goes on with east.
	m = update(t, m, contextsChosenMsg{contexts: testContexts[:1]}, clientsReadyMsg{clients: map[string]*kube.Client{}})
	if m.screen != screenTopology {
		t.Fatalf("on %s, want topology", screenNames[m.screen])
	}
	before := contextsScreen(m).spinner.View()
	m, cmd := updateCmd(m, tick)
	if cmd != nil || contextsScreen(m).spinner.View() != before {
		t.Errorf("the contexts screen's spinner tick reached it while the topology is shown (cmd %v)", cmd != nil)
	}
	m = update(t, m, probed(m, refusedProbe(testContexts[2])))
	for _, r := range contextsScreen(m).rows {
		if r.Name == "west" && r.probe == nil {
			t.Error("west's probe, answered while the topology is shown, did not reach the contexts screen")
		}
	}
	// Coming back re-arms the spinner for the probe still running.
	next, cmd := m.move(-1)
	m = next.(Model)
	if m.screen != screenContexts || cmd == nil {
		t.Fatalf("back on %s with cmd %v; want the contexts screen re-arming its spinner", screenNames[m.screen], cmd != nil)
	}
	if _, ok := cmd().(spinner.TickMsg); !ok {
		t.Error("entering the contexts screen with a probe running did not restart its spinner")
	}
}
