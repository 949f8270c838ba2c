package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// TestInstallPreparesCertsThenRuns runs the certificates' Cmd for real
// (2048-bit keys into a temp dir) and starts the run with them.
func TestInstallPreparesCertsThenRuns(t *testing.T) {
	m := reviewAt(t, 80, 24, nil, "east", "west")
	m, cmd := updateCmd(m, nextMsg{})
	v := reviewFlat(view(m))
	for _, want := range []string{"Preparing to install mesh1 into 2 clusters", "Preparing certificates in " + m.s.cfg.Security.CA.Dir + ": a root and one intermediate per cluster, RSA 2048",
		"RSA 2048", "0/16 steps", "ctrl+c cancel the install"} {
		if !strings.Contains(v, want) {
			t.Errorf("while preparing, the screen lacks %q:\n%s", want, view(m))
		}
	}
	if k := installScreen(m).Keys(); k.Back.Enabled() || k.Quit.Enabled() || k.Interrupt.Enabled() {
		t.Error("esc, q or ctrl+c are left to the root while the certificates are prepared")
	}
	checkFits(t, m, 80, 24)

	certsMsg := findMsg[installCertsMsg](t, cmd)
	if certsMsg.err != nil || len(certsMsg.certs) != 2 || !strings.Contains(certsMsg.message, "generated the mesh CA") {
		t.Fatalf("preparing the certificates: %+v", certsMsg)
	}
	if _, err := os.Stat(filepath.Join(m.s.cfg.Security.CA.Dir, "root-cert.pem")); err != nil {
		t.Errorf("no root certificate written: %v", err)
	}
	m, cmd = updateCmd(m, certsMsg)
	if installScreen(m).phase != installRunning || cmd == nil {
		t.Fatalf("the run did not start: phase %d, Cmd %v", installScreen(m).phase, cmd)
	}
	if m.s.caMessage != certsMsg.message {
		t.Errorf("session caMessage = %q, want %q", m.s.caMessage, certsMsg.message)
	}
	if v := view(m); !strings.Contains(v, "Installing mesh1 into 2 clusters") || !strings.Contains(v, "CA: generated the mesh CA") {
		t.Errorf("running screen:\n%s", v)
	}
}

func TestInstallCAErrorAppliesNothing(t *testing.T) {
	m := reviewAt(t, 80, 24, func(c *mesh.Config) { c.Security.CA.Mode = mesh.CAExisting }, "east", "west")
	m, cmd := updateCmd(m, nextMsg{})
	if !strings.Contains(view(m), "loading the CA in") {
		t.Errorf("preparing an existing CA should say it loads it:\n%s", view(m))
	}
	m = update(t, m, findMsg[installCertsMsg](t, cmd))
	v := reviewFlat(view(m))
	for _, want := range []string{"Install of mesh1 not started", GlyphFail + " Nothing was applied:", "hint: fix the files in " + m.s.cfg.Security.CA.Dir, "r run setup again", "esc back"} {
		if !strings.Contains(v, want) {
			t.Errorf("CA error screen lacks %q:\n%s", want, view(m))
		}
	}
	checkFits(t, m, 80, 24)
}

func TestInstallLanesShowProgressLive(t *testing.T) {
	m := installStarted(t, 80, 24, reviewNetworkPerCluster, "east", "west", "north")
	if line(m, "east") == "" || !strings.Contains(line(m, "east"), "west") || !strings.Contains(line(m, "east"), "north") {
		t.Fatalf("3 lanes should be side by side at 80 columns:\n%s", view(m))
	}
	if !strings.Contains(view(m), "0/36 steps") {
		t.Errorf("no overall progress:\n%s", view(m))
	}
	checkFits(t, m, 80, 24)

	m = update(t, m, installEv(m, "east", install.IDNamespace, steps.Running, "", 0))
	if row := line(m, "namespace"); !strings.Contains(row, "namespace") {
		t.Fatalf("the running step is not drawn:\n%s", view(m))
	}
	m = update(t, m, installEv(m, "east", install.IDNamespace, steps.Passed, "created istio-system", 120*time.Millisecond))
	m = installPassLane(t, m, "west", 3)
	m = update(t, m,
		installEv(m, "west", install.IDIstiod, steps.Running, "", 4*time.Second),
		installEv(m, "west", install.IDIstiod, steps.Running, "istiod 0/1 ready", 9*time.Second),
		installEv(m, "north", install.IDNamespace, steps.Running, "", 5*time.Second))
	v := view(m)
	for _, want := range []string{"istiod 0/1 ready", "4/36 steps", "Installing mesh1 into 3 clusters"} {
		if !strings.Contains(v, want) {
			t.Errorf("frame lacks %q:\n%s", want, v)
		}
	}
	// Finished steps stay with their mark and duration.
	if row := line(m, "istio-base"); !strings.Contains(row, GlyphOK+" istio-base") || !strings.Contains(row, "1.2s") {
		t.Errorf("a finished step lost its mark or duration: %q\n%s", row, v)
	}
	checkFits(t, m, 80, 24)

	// The spinner ticks advance the clock: the running step shows how long
	// it has been running.
	tick := installScreen(m).spinner.Tick().(interface{}) // the screen's own spinner
	m, cmd := updateCmd(m, tick.(tea.Msg))
	if cmd == nil {
		t.Error("the spinner stops while steps run")
	}
	_ = m
}

func TestInstallKeepsRunningAndFailedStepsVisible(t *testing.T) {
	m := installStarted(t, 80, 24, reviewNetworkPerCluster, "east", "west", "north")
	m = installPassLane(t, m, "east", 9)
	m = update(t, m, installEv(m, "east", install.IDRemoteSecret+"west", steps.Running, "writing istio-remote-secret-west", 20*time.Second))
	m = installPassLane(t, m, "west", 4)
	m = update(t, m, installFailEv(m, "west", install.IDGateway,
		"timed out waiting for the condition (the step's limit is 6m0s)",
		"see the error above; `helm status <release> -n istio-system --kube-context <context>` shows the release"))
	for _, id := range []string{install.IDGatewayAddress, install.IDExposeServices, install.IDReaderToken} {
		m = update(t, m, installCutEv(m, "west", id, steps.Blocked, "not run: install/eastwest-gateway@west did not succeed", time.Minute))
	}
	m = installPassLane(t, m, "north", 11)
	m = update(t, m, installEv(m, "north", install.IDInjection, steps.Running, "labelling namespace shop", time.Minute))

	v := reviewFlat(view(m))
	for _, want := range []string{
		"secret west",                // east's running step
		"writing istio-remote",       // and its detail
		GlyphFail + " east-west gat", // west's failure, in its lane
		"injection labels",           // north's running step
		GlyphOK + " ",                // finished steps, or their count
		"done",                       // the steps scrolled out above, counted
		"✗ west · Helm release istio-eastwestgateway is deployed: timed out waiting for the condition",
		"hint: see the error above",
		"1 failed",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("frame lacks %q:\n%s", want, v)
		}
	}
	checkFits(t, m, 80, 24)
	for _, size := range [][2]int{{60, 20}, {40, 12}, {120, 40}, {200, 60}, {80, 10}} {
		m := update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		installScreenFits(t, m, size[0], size[1])
		if v := view(m); size[1] >= 20 && !strings.Contains(v, "secret west") {
			t.Errorf("at %dx%d east's running step is not shown:\n%s", size[0], size[1], v)
		}
	}
}

func TestInstallStackedLanesFit(t *testing.T) {
	names := []string{"east", "west", "north", "south", "central"}
	m := installStarted(t, 80, 24, reviewNetworkPerCluster, names...)
	if strings.Contains(line(m, "east"), "west") {
		t.Fatalf("5 lanes do not fit side by side in 80 columns; they should be stacked:\n%s", view(m))
	}
	for i, n := range names {
		m = installPassLane(t, m, n, i+2)
	}
	m = update(t, m, installEv(m, "south", install.IDGateway, steps.Running, "waiting for gateway address", time.Minute))
	m = update(t, m, installFailEv(m, "central", install.IDIstiod, "istiod 0/1 ready after 5m0s", "check the istiod pods"))
	v := view(m)
	for _, want := range []string{"east · primary", "central · primary", "waiting for gateway address", "✗ central"} {
		if !strings.Contains(v, want) {
			t.Errorf("stacked lanes lack %q:\n%s", want, v)
		}
	}
	checkFits(t, m, 80, 24)
	for _, size := range [][2]int{{60, 20}, {40, 12}, {100, 50}, {80, 8}} {
		installScreenFits(t, update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]}), size[0], size[1])
	}
	// Unknown height: every step of every lane.
	all := update(t, m, tea.WindowSizeMsg{Width: 80})
	if n := strings.Count(view(all), "· 2 more"); n != 0 {
		t.Errorf("with the height unknown no step should be hidden:\n%s", view(all))
	}
}

func TestInstallFailureOffersRetry(t *testing.T) {
	m := installStarted(t, 80, 24, nil, "east", "west")
	m = installPassLane(t, m, "east", 8)
	m = installPassLane(t, m, "west", 3)
	m = update(t, m, installFailEv(m, "west", install.IDIstiod, "context deadline exceeded", "run setup again"))
	m = update(t, m, installEnd(m, steps.Skipped, steps.Blocked, "not run: install/istiod@west did not succeed"))
	im := installScreen(m)
	if im.phase != installDone || m.s.installed == nil || !m.s.installed.Failed() {
		t.Fatalf("the run's end was not recorded: phase %d, installed %v", im.phase, m.s.installed)
	}
	v := reviewFlat(view(m))
	for _, want := range []string{"Install of mesh1 failed", "16/16 steps · 1 failed · 4 not run", "1 step failed, 11 applied", "istio-system/meshwiz-record",
		"r runs the whole plan again", "r run setup again", "enter summary", "esc back",
		"✗ west · Helm release istiod is deployed and ready: context deadline exceeded", "hint: run setup again"} {
		if !strings.Contains(v, want) {
			t.Errorf("failed run lacks %q:\n%s", want, view(m))
		}
	}
	checkFits(t, m, 80, 24)

	old := installEv(m, "east", install.IDNamespace, steps.Running, "", 0)
	first := installScreen(m).id
	m, cmd := updateCmd(m, press("r"))
	if cmd == nil {
		t.Fatal("r started nothing")
	}
	im = installScreen(m)
	if im.id == first || im.phase != installPreparing || im.finished != 0 {
		t.Fatalf("r did not start a new run from scratch: run %v (first %v) phase %d finished %d", im.id, first, im.phase, im.finished)
	}
	if v := view(m); !strings.Contains(v, "0/16 steps") || strings.Contains(v, GlyphFail) {
		t.Errorf("the retry still shows the last run:\n%s", v)
	}
	// Events of the replaced run are drained (so that its goroutine ends)
	// but not applied, and its end is ignored.
	old.next = func() tea.Msg { return nil }
	m, cmd = updateCmd(m, old)
	if cmd == nil {
		t.Error("an event of the replaced run was not drained")
	}
	if installScreen(m).lanes[0].steps[0].status != "" {
		t.Error("an event of the replaced run was applied")
	}
	m = update(t, m, runDoneMsg{id: first})
	if installScreen(m).phase != installPreparing {
		t.Error("the end of the replaced run ended the new one")
	}
	// Other runs (the checks) are not the install's business: the root
	// hands their events to the screen that owns them.
	m = update(t, m, stepEventMsg{id: runID{owner: screenChecks, n: 99}, event: old.event, next: old.next})
	if installScreen(m).lanes[0].steps[0].status != "" {
		t.Error("the install screen was given the checks' event")
	}
}

func TestInstallCtrlCAsksThenCancels(t *testing.T) {
	m := installStarted(t, 80, 24, nil, "east", "west")
	m = installPassLane(t, m, "east", 3)
	m = update(t, m, installEv(m, "east", install.IDIstiod, steps.Running, "istiod 0/1 ready", 4*time.Second))

	// esc and q do not leave a running install.
	m, cmd := updateCmd(m, press("esc"))
	if m.screen != screenInstall || cmd != nil {
		t.Fatal("esc left the running install")
	}
	m, cmd = updateCmd(m, press("q"))
	if m.quitting || cmd == nil || !strings.Contains(string(findMsg[statusMsg](t, cmd)), "ctrl+c cancels it first") {
		t.Fatal("q should not quit a running install, and say how to stop it")
	}

	m, cmd = updateCmd(m, press("ctrl+c"))
	if cmd != nil || m.quitting {
		t.Fatalf("ctrl+c reached the root while the install runs: %v", cmd)
	}
	v := view(m)
	for _, want := range []string{"Cancel the install? y/n", "nothing is rolled back", "y cancel it", "n keep going"} {
		if !strings.Contains(reviewFlat(v), want) {
			t.Errorf("the question lacks %q:\n%s", want, v)
		}
	}
	checkFits(t, m, 80, 24)
	m = update(t, m, press("n"))
	if im := installScreen(m); im.phase != installRunning || im.askCancel || im.ctx.Err() != nil {
		t.Fatal("n did not keep the install going")
	}

	m = update(t, m, press("ctrl+c"))
	m = update(t, m, press("y"))
	im := installScreen(m)
	if im.phase != installCancelling || im.ctx.Err() == nil {
		t.Fatalf("y did not cancel the run's context: phase %d", im.phase)
	}
	if v := view(m); !strings.Contains(v, "Cancelling: waiting for the running steps to stop") {
		t.Errorf("cancelling screen:\n%s", v)
	}
	if k := installScreen(m).Keys(); k.Back.Enabled() || k.Quit.Enabled() {
		t.Error("esc or q offered while the cancelled steps stop")
	}
	m = update(t, m, installCutEv(m, "east", install.IDIstiod, steps.Canceled, "canceled: context canceled", 5*time.Second))
	m = update(t, m, installEnd(m, steps.Skipped, steps.Canceled, "canceled before it started"))
	v = reviewFlat(view(m))
	for _, want := range []string{"Install of mesh1 cancelled", "Cancelled: 3 of 16 steps applied, recorded in each cluster's istio-system/meshwiz-record",
		"r runs setup again to finish it", "enter summary"} {
		if !strings.Contains(v, want) {
			t.Errorf("cancelled screen lacks %q:\n%s", want, view(m))
		}
	}
	if k := installScreen(m).Keys(); !k.Back.Enabled() || !k.Quit.Enabled() || !k.Interrupt.Enabled() || !k.Retry.Enabled() {
		t.Error("once cancelled, esc, q, ctrl+c and r should work again")
	}
	checkFits(t, m, 80, 24)
}

func TestInstallCancelWhilePreparing(t *testing.T) {
	m := installAt(t, 80, 24, nil, "east", "west")
	m = update(t, m, press("ctrl+c"), press("y"))
	if installScreen(m).phase != installCancelled || !strings.Contains(reviewFlat(view(m)), "Cancelled before anything was applied; waiting for the certificates") {
		t.Fatalf("cancelling while preparing:\n%s", view(m))
	}
	if k := installScreen(m).Keys(); k.Retry.Enabled() || k.Back.Enabled() {
		t.Error("r or esc offered while the certificates are still being written")
	}
	m, cmd := updateCmd(m, installCertsMsg{id: installScreen(m).id})
	if cmd != nil || installScreen(m).phase != installCancelled {
		t.Error("the certificates of a cancelled install started the run")
	}
	if k := installScreen(m).Keys(); !k.Retry.Enabled() || !k.Back.Enabled() || !strings.Contains(view(m), "r starts again") {
		t.Errorf("once the certificates are written, r and esc should work:\n%s", view(m))
	}
}

func TestInstallDetailsShowEveryStep(t *testing.T) {
	m := installStarted(t, 80, 24, reviewNetworkPerCluster, "east", "west", "north")
	m = installPassLane(t, m, "east", 5)
	m = update(t, m, installFailEv(m, "west", install.IDNamespace, "namespace istio-system is being deleted", "wait until it is gone"))
	m = update(t, m, press("d"))
	v := view(m)
	for _, want := range []string{"Every step, cluster by cluster", "istio-system exists with the cluster's topology labels", "up to date", "d lanes"} {
		if !strings.Contains(v, want) {
			t.Errorf("details lack %q:\n%s", want, v)
		}
	}
	checkFits(t, m, 80, 24)
	for range 60 {
		m = update(t, m, press("down"))
		checkFits(t, m, 80, 24)
	}
	if v := view(m); !strings.Contains(v, "chosen namespaces have sidecar injection enabled") {
		t.Errorf("scrolling the details never reached the end:\n%s", v)
	}
	m = update(t, m, press("d"))
	if strings.Contains(view(m), "Every step") {
		t.Error("d did not return to the lanes")
	}
}

func TestInstallDoneLeadsToSummary(t *testing.T) {
	m := installStarted(t, 80, 24, nil, "east", "west")
	m = installPassLane(t, m, "east", 8)
	m = installPassLane(t, m, "west", 8)
	m = update(t, m, installEnd(m, steps.Passed, "", "up to date"))
	v := view(m)
	for _, want := range []string{"Installed mesh1 into 2 clusters", "16/16 steps", "The mesh is installed: 16 steps in 2 clusters", "enter summary"} {
		if !strings.Contains(v, want) {
			t.Errorf("finished install lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "r run setup again") {
		t.Error("a successful install offers a retry")
	}
	checkFits(t, m, 80, 24)
	m, cmd := updateCmd(m, press("enter"))
	if cmd == nil {
		t.Fatal("enter did not move on")
	}
	m = update(t, m, cmd())
	if m.screen != screenSummary {
		t.Fatalf("enter led to %s", screenNames[m.screen])
	}
	// Back from the summary shows the run as it ended; it does not run again.
	ran := installScreen(m).id
	m = update(t, m, press("esc"))
	if m.screen != screenInstall || installScreen(m).phase != installDone || installScreen(m).id != ran {
		t.Errorf("esc from the summary: %s, phase %d, run %v (was %v)", screenNames[m.screen], installScreen(m).phase, installScreen(m).id, ran)
	}
}

func TestInstallFramesAreDeterministic(t *testing.T) {
	m := installStarted(t, 80, 24, reviewNetworkPerCluster, "east", "west", "north")
	m = installPassLane(t, m, "east", 4)
	m = update(t, m, installEv(m, "east", install.IDGateway, steps.Running, "waiting for gateway address", 10*time.Second))
	a, b := m.View().Content, m.View().Content
	if a != b {
		t.Error("two views of the same model differ")
	}
	if fmt.Sprint(installScreen(m).elapsed()) == "" {
		t.Error("no elapsed time")
	}
}
