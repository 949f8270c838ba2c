package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/verify"
)

// verifyScreen is the summary's verify.
func verifyScreen(m Model) verifyModel { return m.screens[screenSummary].(summaryModel).verify }

// verifyEv is an event of the current verify run.
func verifyEv(m Model, cluster, id string, st steps.Status, message string, details any) stepEventMsg {
	return stepEventMsg{id: verifyScreen(m).id,
		event: steps.Event{Step: steps.Ref{ID: id, Cluster: cluster}, Status: st, Message: message, Details: details}}
}

// TestSummaryVerify: v on the summary runs verify's plan (the CLI's steps)
// on the wizard's clusters, reaching istiod as the sandbox lists it beside
// the kubeconfig; its events show live, grouped by cluster, a failure with
// its hint, the matrix last; events of a replaced run are ignored; s runs it
// again with the sample; esc returns to the summary; quitting prints both.
func TestSummaryVerify(t *testing.T) {
	dir := t.TempDir()
	list := `{"istiods":[{"context":"east","server":"https://127.0.0.1:37117","address":"127.0.0.1:42267"}]}`
	if err := os.WriteFile(filepath.Join(dir, verify.SandboxFile), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", filepath.Join(dir, "kubeconfig"))

	m := summaryAfter(t, 100, 0, summaryPassAll(t))
	m.s.clients = map[string]*kube.Client{ // east is the sandbox's cluster; nothing is dialled here
		"east": {Context: "east", Server: "https://127.0.0.1:37117"}, "west": {Context: "west", Server: "https://127.0.0.1:37118"}}
	if v := reviewFlat(view(m)); !strings.Contains(v, "press v: ask each primary's istiod now") || !strings.Contains(v, "v verify") {
		t.Fatalf("the summary does not offer verify:\n%s", view(m))
	}
	m, cmd := updateCmd(m, press("v"))
	if cmd == nil || !strings.Contains(view(m), "finding the way to istiod") {
		t.Fatalf("v did not start verify:\n%s", view(m))
	}
	reach, ok := cmd().(verifyReachMsg)
	if !ok || reach.err != nil || !strings.Contains(reach.source, filepath.Join(dir, verify.SandboxFile)) {
		t.Fatalf("the way to istiod: %#v", reach)
	}
	m, cmd = updateCmd(m, reach)
	if cmd == nil || len(verifyScreen(m).plan) == 0 {
		t.Fatal("the plan did not start")
	}
	v := reviewFlat(view(m))
	for _, want := range []string{"Verify: what each istiod really reads and serves", "the local processes listed in " + filepath.Join(dir, verify.SandboxFile),
		"Cluster east", "Cluster west", "Across clusters", "· istiod reads and has synced every other cluster", "asking istiod…",
		"v verify again", "s verify with the helloworld sample", "esc summary", "q quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("verify lacks %q:\n%s", want, view(m))
		}
	}
	if strings.Contains(v, "enter/q quit") || strings.Contains(v, "esc back") {
		t.Errorf("verify keeps the summary's keys:\n%s", view(m))
	}

	stale := verifyEv(m, "east", verify.IDIstiod, steps.Failed, "from an older run", nil)
	stale.id.n--
	failed := verifyEv(m, "east", verify.IDIstiod, steps.Failed, "west: timeout (the server in its remote secret is unreachable)", nil)
	failed.event.Hint = "check the server address and token in its remote secret"
	mx := &verify.Matrix{Clusters: []string{"east", "west"}, Cells: [][]string{{"local", "not synced"}, {"gateway 127.0.11.1:15443", "local"}}}
	m = update(t, m, stale,
		verifyEv(m, "east", verify.IDCluster, steps.Passed, "cluster east, primary, network net-east", nil),
		verifyEv(m, "west", verify.IDIstiod, steps.Running, "", nil),
		failed,
		verifyEv(m, "", verify.IDMesh, steps.Failed, "proxies cannot reach every cluster: east → west: not synced", mx))
	v = reviewFlat(view(m))
	for _, want := range []string{GlyphOK + " the cluster's mesh name, network and role — cluster east, primary, network net-east",
		GlyphRetry + " istiod reads and has synced every other cluster",
		GlyphFail + " istiod reads and has synced every other cluster — west: timeout",
		"hint: check the server address and token",
		"proxies in ↓ east west", "east local not synced", "west gateway 127.0.11.1:15443 local"} {
		if !strings.Contains(v, want) {
			t.Errorf("verify lacks %q:\n%s", want, view(m))
		}
	}
	if strings.Contains(v, "from an older run") {
		t.Errorf("an event of a replaced run is shown:\n%s", view(m))
	}
	sum := steps.Summary{Steps: []steps.Event{{Status: steps.Passed}, {Status: steps.Failed}, {Status: steps.Failed}}}
	m = update(t, m, runDoneMsg{id: verifyScreen(m).id, summary: sum})
	if v := reviewFlat(view(m)); !strings.Contains(v, GlyphFail+" not proven: 1 passed, 2 failed") ||
		!strings.Contains(v, "meshwiz verify --context east --context west") || strings.Contains(v, "asking istiod") {
		t.Errorf("the outcome:\n%s", view(m))
	}
	full := ansi.Strip(m.screens[screenSummary].(summaryModel).finalText())
	if !strings.Contains(full, "Mesh mesh1 is installed") || !strings.Contains(full, "not proven: 1 passed, 2 failed") {
		t.Errorf("quitting would not print the summary and verify:\n%s", full)
	}

	ran := verifyScreen(m).id
	m, cmd = updateCmd(m, press("s"))
	if cmd == nil || verifyScreen(m).id == ran || !verifyScreen(m).sample || !strings.Contains(view(m), "(with the helloworld sample)") {
		t.Fatalf("s did not run verify again with the sample:\n%s", view(m))
	}
	m, _ = updateCmd(m, cmd().(verifyReachMsg))
	if !strings.Contains(reviewFlat(view(m)), "· the sample helloworld-v1 runs") {
		t.Errorf("the sample's steps are not in the plan:\n%s", view(m))
	}
	m = update(t, m, tea.KeyPressMsg{Code: tea.KeyEscape})
	if m.screen != screenSummary || !strings.Contains(view(m), "Mesh mesh1 is installed") || verifyScreen(m).running {
		t.Errorf("esc did not stop verify and return to the summary (screen %s):\n%s", screenNames[m.screen], view(m))
	}
}
