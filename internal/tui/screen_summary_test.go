package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// summaryAfter returns a wizard on the summary screen after the run of a
// primary-remote mesh of east (primary, network net-east) and west (its
// remote, net-west), ended with the lanes as fill leaves them.
func summaryAfter(t *testing.T, width, height int, fill func(Model) Model) Model {
	t.Helper()
	m := installStarted(t, width, height, func(c *mesh.Config) {
		c.Model = mesh.PrimaryRemote
		for i := range c.Clusters {
			c.Clusters[i].Role = ""
		}
		c.Clusters[0].InjectNamespaces = []string{"shop"}
		reviewNetworkPerCluster(c)
	}, "east", "west")
	m = fill(m)
	m = update(t, m, installEnd(m, steps.Skipped, steps.Blocked, "not run: a step before it did not succeed"), press("enter"))
	m = update(t, m, nextMsg{})
	if m.screen != screenSummary {
		t.Fatalf("not on the summary: %s", screenNames[m.screen])
	}
	return m
}

// summaryPassAll passes every step, with the messages the engine gives.
func summaryPassAll(t *testing.T) func(Model) Model {
	return func(m Model) Model {
		for _, l := range installScreen(m).lanes {
			for _, s := range l.steps {
				msg := "up to date"
				switch s.ref.ID {
				case install.IDGatewayAddress:
					msg = "east-west gateway address 172.18.0.10"
				case install.IDInjection:
					msg = "injection enabled in shop; 2 pod(s) need a restart to get a sidecar (kubectl rollout restart)"
				}
				m = update(t, m, installEv(m, l.context, s.ref.ID, steps.Running, "", 0),
					installEv(m, l.context, s.ref.ID, steps.Passed, msg, time.Second))
			}
		}
		return m
	}
}

func TestSummaryAfterInstall(t *testing.T) {
	m := summaryAfter(t, 100, 0, summaryPassAll(t)) // height unknown: all of it
	m.s.configPath = "/home/me/mesh.yaml"
	m.s.exportDir = "/home/me/meshwiz-plan"
	m.s.caMessage = `generated the mesh CA in /tmp/certs (private keys 0600); root "meshwiz root" sha256 0123456789abcdef…`
	v := reviewFlat(view(m))
	for _, want := range []string{
		GlyphOK + " Mesh mesh1 is installed in 2 clusters: primary-remote, Istio " + mesh.DefaultIstioVersion,
		"CA: generated the mesh CA in /tmp/certs",
		"east · context east · primary · network net-east",
		"Helm releases istio-base, istiod, istio-eastwestgateway in istio-system",
		"east-west gateway address 172.18.0.10",
		"exposed through the east-west gateway: istiod (for its remotes), services (cross-network-gateway)",
		"remote secrets: istiod in east reads west",
		"injection enabled in shop; 2 pod(s) need a restart",
		"west · context west · remote of east · network net-west",
		"kubectl --context east -n istio-system get pods",
		"kubectl --context west -n istio-system get pods",
		"istioctl remote-clusters --context east",
		"meshwiz check --context east --context west",
		"mesh config /home/me/mesh.yaml",
		"replay: meshwiz setup --config /home/me/mesh.yaml --yes --ca-key-size 2048",
		"certificates " + m.s.cfg.Security.CA.Dir + ": root-key.pem",
		"plan export /home/me/meshwiz-plan",
		"meshwiz teardown --context east --context west",
		"choose Teardown",
		"enter/q quit",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("summary lacks %q:\n%s", want, view(m))
		}
	}
	if strings.Contains(v, "istioctl remote-clusters --context west") {
		t.Error("the remote has no istiod to ask for remote clusters")
	}
	if strings.Contains(v, "not done") {
		t.Errorf("a complete install lists steps not done:\n%s", view(m))
	}
}

func TestSummaryScrollsAndQuits(t *testing.T) {
	m := summaryAfter(t, 80, 24, summaryPassAll(t))
	checkFits(t, m, 80, 24)
	if !reviewMoreBelow(view(m)) || !strings.Contains(view(m), "↑/↓ scroll") {
		t.Fatalf("the summary does not fit 80×24, but does not say so:\n%s", view(m))
	}
	for i := 0; reviewMoreBelow(view(m)); i++ {
		if i > 100 {
			t.Fatal("down never reaches the bottom")
		}
		m = update(t, m, press("down"))
		checkFits(t, m, 80, 24)
	}
	if !strings.Contains(view(m), "meshwiz teardown --context east --context west") {
		t.Errorf("the bottom of the summary lacks the undo:\n%s", view(m))
	}
	if !strings.Contains(view(m), "not saved: press esc twice") {
		t.Errorf("an unsaved config should say how to save it:\n%s", view(m))
	}
	m = update(t, m, tea.KeyPressMsg{Code: tea.KeyPgUp}, tea.KeyPressMsg{Code: tea.KeyPgUp}, tea.KeyPressMsg{Code: tea.KeyPgUp})
	if !strings.Contains(view(m), "Mesh mesh1 is installed") {
		t.Errorf("pgup did not return to the top:\n%s", view(m))
	}
	for _, size := range [][2]int{{60, 20}, {40, 12}, {120, 50}} {
		installScreenFits(t, update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]}), size[0], size[1])
	}
	m, cmd := updateCmd(m, press("enter"))
	if cmd == nil || !m.quitting {
		t.Fatal("enter does not quit the summary")
	}
	// The whole summary is printed above the program, then it quits; the
	// last frame is empty, so the summary is not drawn twice.
	if got := fmt.Sprintf("%#v", cmd()); !strings.Contains(got, "sequenceMsg") {
		t.Errorf("enter sent %s, want a sequence (print, then quit)", got)
	}
	full := m.screens[screenSummary].(summaryModel).finalText()
	for _, want := range []string{"Mesh mesh1 is installed", "meshwiz teardown --context east --context west", "How to verify it"} {
		if !strings.Contains(ansi.Strip(full), want) {
			t.Errorf("the printed summary lacks %q:\n%s", want, full)
		}
	}
	if v := view(m); v != "" {
		t.Errorf("the last frame should be empty once the summary is printed:\n%s", v)
	}
}

func TestSummaryOfAFailedInstall(t *testing.T) {
	m := summaryAfter(t, 100, 0, func(m Model) Model {
		m = installPassLane(t, m, "east", 3)
		return update(t, m, installFailEv(m, "east", install.IDIstiod, "context deadline exceeded", "run setup again"))
	})
	v := reviewFlat(view(m))
	for _, want := range []string{
		GlyphFail + " The install of mesh mesh1 did not finish: 1 failed",
		"istio-system/meshwiz-record",
		"r runs setup again",
		"Helm releases istio-base in istio-system",
		"not done: istiod (failed), east-west gateway",
		"meshwiz teardown --context east --context west",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("summary of a failed install lacks %q:\n%s", want, view(m))
		}
	}
}

func TestSummaryWithoutAnInstall(t *testing.T) {
	m := update(t, reviewAt(t, 80, 24, nil, "east", "west"))
	m.s.installed = nil
	m.screens[screenSummary], _ = m.screens[screenSummary].enter(true)
	m.screen = screenSummary
	if v := view(m); !strings.Contains(v, "Nothing was installed") {
		t.Errorf("summary without an install:\n%s", v)
	}
	checkFits(t, m, 80, 24)
}
