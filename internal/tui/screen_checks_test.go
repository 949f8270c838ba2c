package tui

import (
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"k8s.io/client-go/rest"

	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// checksClients returns a client per name whose server is a closed
// loopback port. Building them does no I/O.
func checksClients(t *testing.T, names ...string) map[string]*kube.Client {
	t.Helper()
	out := map[string]*kube.Client{}
	for _, n := range names {
		cl, err := kube.NewClientForConfig(n, &rest.Config{Host: testbed.ClosedURL(t)})
		if err != nil {
			t.Fatal(err)
		}
		out[n] = cl
	}
	return out
}

// checksAt returns a model of flow f sized width×height, on the checks
// screen for clusters with the given context names. The run's Cmd is
// returned, not run: tests feed the events.
func checksAt(t *testing.T, f flow, width, height int, names ...string) (Model, tea.Cmd) {
	t.Helper()
	m := New(Options{})
	t.Cleanup(m.cancel)
	m = update(t, m, tea.WindowSizeMsg{Width: width, Height: height}, startFlowMsg{flow: f})
	var cs []kube.Context
	for _, n := range names {
		cs = append(cs, kube.Context{Name: n})
	}
	m = update(t, m, contextsChosenMsg{contexts: cs}, clientsReadyMsg{clients: checksClients(t, names...)})
	if m.screen != screenTopology {
		t.Fatalf("after the clients are ready the wizard is on %s, want topology", screenNames[m.screen])
	}
	m, cmd := updateCmd(m, nextMsg{})
	if m.screen != screenChecks {
		t.Fatalf("nextMsg led to %s, want checks", screenNames[m.screen])
	}
	return m, cmd
}

// checksScreen returns the checks screen's model.
func checksScreen(m Model) checksModel {
	return m.screens[screenChecks].(checksModel)
}

// checksID is the screen's current run.
func checksID(m Model) runID {
	return checksScreen(m).id
}

// checksEvent is an event of the current run for check id on cluster ("":
// a cross-cluster check), with the title and severity of the plan.
func checksEvent(t *testing.T, m Model, id, cluster string, st steps.Status, message, hint string) stepEventMsg {
	t.Helper()
	e := steps.Event{Step: steps.Ref{ID: id, Cluster: cluster}, Status: st, Message: message, Hint: hint, Time: time.Now()}
	for _, r := range checksScreen(m).rows {
		if r.id == id {
			e.Title, e.Severity = r.title, r.severity
		}
	}
	if e.Title == "" {
		t.Fatalf("no check %q in the plan", id)
	}
	if st.Final() {
		e.Took = 3 * time.Millisecond
	}
	return stepEventMsg{id: checksID(m), event: e}
}

// checksPassRest passes every step of the current run without a final
// event yet.
func checksPassRest(t *testing.T, m Model) Model {
	t.Helper()
	c := checksScreen(m)
	for _, r := range c.rows {
		for _, ref := range c.refs(r) {
			if e, ok := c.cells[ref]; !ok || !e.Status.Final() {
				m = update(t, m, checksEvent(t, m, ref.ID, ref.Cluster, steps.Passed, "fine", ""))
			}
		}
	}
	return m
}

// checksDone ends the current run with the final events it has.
func checksDone(m Model) runDoneMsg {
	c := checksScreen(m)
	sum := steps.Summary{Steps: c.events(), Duration: 1234 * time.Millisecond}
	return runDoneMsg{id: checksID(m), summary: sum}
}

// checksCell returns the mark drawn in the row whose line contains title,
// under the column headed column ("mesh" for cross-cluster checks).
func checksCell(t *testing.T, m Model, title, column string) string {
	t.Helper()
	header, row := []rune(line(m, "CHECK")), []rune(line(m, title))
	if len(row) == 0 {
		t.Fatalf("no row %q:\n%s", title, view(m))
	}
	start := strings.Index(string(header), "  "+column) // byte index; the header is ASCII up to there
	if start < 0 {
		t.Fatalf("no column %q in %q", column, string(header))
	}
	start = len([]rune(string(header)[:start])) + 2
	from, to := start-1, start+ansi.StringWidth(column)+1 // the brackets of a selected cell reach one cell out
	if to > len(row) {
		to = len(row)
	}
	if from >= to {
		return ""
	}
	return strings.TrimSpace(string(row[from:to]))
}

// checksLineWithPrefix returns the first line of the frame starting with
// prefix, or "".
func checksLineWithPrefix(m Model, prefix string) string {
	for l := range strings.SplitSeq(view(m), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

const apiTitle = "API server answers with the kubeconf"

func TestChecksMarksFillInPerCell(t *testing.T) {
	m, cmd := checksAt(t, flowSetup, 80, 24, "east", "west")
	if cmd == nil {
		t.Fatal("entering the checks screen returned no Cmd: the run was not started")
	}
	c := checksScreen(m)
	if c.id == (runID{}) || len(c.rows) != len(checks.IDs()) {
		t.Fatalf("run %v, %d rows; want the first run of %d checks", c.id, len(c.rows), len(checks.IDs()))
	}
	if got := checksCell(t, m, apiTitle, "east"); got != "["+markPending+"]" {
		t.Errorf("east cell before any event = %q, want the pending mark, selected", got)
	}
	if got := checksCell(t, m, apiTitle, "west"); got != markPending {
		t.Errorf("west cell before any event = %q, want %q", got, markPending)
	}

	m = update(t, m, checksEvent(t, m, "cluster/api-reachable", "east", steps.Running, "", ""))
	if got := checksCell(t, m, apiTitle, "east"); got == "["+markPending+"]" || got == "" {
		t.Errorf("east cell while running = %q, want a spinner", got)
	}
	m = update(t, m, checksEvent(t, m, "cluster/api-reachable", "east", steps.Passed, "Kubernetes v1.34.1 at https://10.0.0.1:6443 (5ms)", ""))
	if got := checksCell(t, m, apiTitle, "east"); got != "["+GlyphOK+"]" {
		t.Errorf("east cell after passing = %q, want ✓", got)
	}
	if got := checksCell(t, m, apiTitle, "west"); got != markPending {
		t.Errorf("west cell = %q, want it still pending", got)
	}
	m = update(t, m, checksEvent(t, m, "cluster/api-reachable", "west", steps.Warned, "slow", "hint"))
	if got := checksCell(t, m, apiTitle, "west"); got != "["+GlyphWarn+"]" {
		t.Errorf("west cell after a warning = %q, want ! selected (warnings come first)", got)
	}
	m = update(t, m, checksEvent(t, m, "mesh/cluster-names", "", steps.Passed, "east, west", ""))
	if got := checksCell(t, m, "cluster names are valid", "mesh"); got != GlyphOK {
		t.Errorf("mesh cell = %q, want ✓", got)
	}
	if got := checksCell(t, m, "cluster names are valid", "east"); got != "" {
		t.Errorf("a cross-cluster check has a mark under east: %q", got)
	}
	if v := view(m); !strings.Contains(v, "2 passed, 1 warning") || !strings.Contains(v, "waiting") {
		t.Errorf("summary does not count the results so far:\n%s", v)
	}
}

func TestChecksFailureShowsReasonHintAndSkips(t *testing.T) {
	m, _ := checksAt(t, flowSetup, 80, 24, "east", "west")
	err := &kube.ContextError{Context: "west", Server: "https://10.0.0.2:6443", Op: "reading server version", Err: &url.Error{
		Op: "Get", URL: "https://10.0.0.2:6443/version",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
	}}
	fail := checksEvent(t, m, "cluster/api-reachable", "west", steps.Failed, err.Error(), err.Hint())
	fail.event.Err = err
	version := checksEvent(t, m, "cluster/k8s-version", "west", steps.Skipped, "not run: cluster/api-reachable@west did not succeed", "")
	version.event.BlockedBy = []steps.Ref{{ID: "cluster/api-reachable", Cluster: "west"}}
	admission := checksEvent(t, m, "cluster/admissionregistration-v1", "west", steps.Skipped, "not run: cluster/k8s-version@west did not succeed", "")
	admission.event.BlockedBy = []steps.Ref{{ID: "cluster/k8s-version", Cluster: "west"}}
	m = update(t, m, checksEvent(t, m, "cluster/api-reachable", "east", steps.Passed, "ok", ""), fail, version, admission)
	v := view(m)
	for _, want := range []string{
		"west · API server answers with the kubeconfig's credentials",
		GlyphFail + " failed (connection refused): context \"west\"",
		"hint: check that the cluster is running",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the failed cell's detail lacks %q:\n%s", want, v)
		}
	}
	if got := checksCell(t, m, apiTitle, "west"); got != "["+GlyphFail+"]" {
		t.Errorf("west cell = %q, want ✗ selected (the cursor follows the first failure)", got)
	}
	if got := checksCell(t, m, "Kubernetes version is supported", "west"); got != markSkipped {
		t.Errorf("skipped cell = %q, want %q", got, markSkipped)
	}
	m = update(t, m, press("down"), press("down"), press("right"))
	if v := strings.Join(strings.Fields(view(m)), " "); !strings.Contains(v, `skipped: not run, because "API server answers with the kubeconfig's credentials" failed on west`) {
		t.Errorf("a skipped check is not explained by the failure that caused it:\n%s", v)
	}
}

func TestChecksEnterRefusedUntilRerunPasses(t *testing.T) {
	m, _ := checksAt(t, flowSetup, 80, 24, "east", "west")
	m, cmd := updateCmd(m, press("enter"))
	if msg, ok := cmd().(statusMsg); !ok || !strings.Contains(string(msg), "still running") {
		t.Errorf("enter while running sent %#v, want a status saying the checks still run", cmd())
	}
	m = update(t, m, checksEvent(t, m, "cluster/rbac", "east", steps.Failed, "may not create clusterroles", "use cluster-admin"))
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	if checksScreen(m).s.checks == nil {
		t.Error("the finished run was not stored in the session")
	}
	if strings.Contains(line(m, "esc back"), "enter") {
		t.Errorf("the help offers enter while a failure blocks: %q", line(m, "esc back"))
	}
	m, cmd = updateCmd(m, press("enter"))
	if msg, ok := cmd().(statusMsg); !ok || !strings.Contains(string(msg), "blocks the install") || !strings.Contains(string(msg), "press r") {
		t.Fatalf("enter with a failure sent %#v, want a status saying why not", cmd())
	}
	if v := view(m); !strings.Contains(v, "1 failed check blocks the install") {
		t.Errorf("the verdict does not say what blocks:\n%s", v)
	}
	old := checksID(m)
	m, cmd = updateCmd(m, press("r"))
	if cmd == nil || checksScreen(m).id == old {
		t.Fatalf("r did not start a new run (run %v → %v)", old, checksScreen(m).id)
	}
	stale := checksEvent(t, m, "cluster/rbac", "east", steps.Failed, "stale", "")
	stale.id = old
	m = update(t, m, stale, runDoneMsg{id: old})
	if got := checksCell(t, m, "credentials may create", "east"); strings.Trim(got, "[]") != markPending {
		t.Errorf("rbac cell after the re-run started = %q: an event of the replaced run was shown", got)
	}
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	if !strings.Contains(view(m), "Ready: press enter") {
		t.Errorf("verdict after a clean run:\n%s", view(m))
	}
	_, cmd = updateCmd(m, press("enter"))
	if _, ok := cmd().(nextMsg); !ok {
		t.Errorf("enter after a clean re-run sent %#v, want nextMsg", cmd())
	}
}

func TestChecksWarningsNeedAcknowledging(t *testing.T) {
	m, _ := checksAt(t, flowSetup, 80, 24, "east", "west")
	m = update(t, m, checksEvent(t, m, "cluster/node-pod-cidrs", "west", steps.Warned, "2 of 3 nodes have no spec.podCIDRs", "check your CNI"))
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	m, cmd := updateCmd(m, press("enter"))
	if msg, ok := cmd().(statusMsg); !ok || !strings.Contains(string(msg), "press a") {
		t.Fatalf("enter with a warning sent %#v, want a status asking for a", cmd())
	}
	if v := view(m); !strings.Contains(v, "hint: check your CNI") || !strings.Contains(v, "Read the 1 warning") {
		t.Errorf("the warning and its hint are not shown:\n%s", v)
	}
	if !strings.Contains(line(m, "esc back"), "a accept warnings") {
		t.Errorf("help does not offer a: %q", line(m, "esc back"))
	}
	m, cmd = updateCmd(m, press("a"))
	if msg, ok := cmd().(statusMsg); !ok || !strings.Contains(string(msg), "Accepted 1 warning") {
		t.Errorf("a sent %#v", cmd())
	}
	ref := steps.Ref{ID: "cluster/node-pod-cidrs", Cluster: "west"}
	if !checksScreen(m).s.acked[ref] {
		t.Errorf("the session does not record the acknowledged warning: %v", checksScreen(m).s.acked)
	}
	if v := view(m); !strings.Contains(v, "warning (accepted)") || !strings.Contains(v, "1 accepted") {
		t.Errorf("the accepted warning is not shown as accepted:\n%s", v)
	}
	_, cmd = updateCmd(m, press("enter"))
	if _, ok := cmd().(nextMsg); !ok {
		t.Errorf("enter after a sent %#v, want nextMsg", cmd())
	}

	// A re-run with the same warning keeps the acknowledgement; a changed
	// warning needs a new one.
	m = update(t, m, press("r"))
	m = update(t, m, checksEvent(t, m, "cluster/node-pod-cidrs", "west", steps.Warned, "2 of 3 nodes have no spec.podCIDRs", "check your CNI"))
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	if !checksScreen(m).ready() {
		t.Error("the same warning after a re-run needs acknowledging again")
	}
	m = update(t, m, press("r"))
	m = update(t, m, checksEvent(t, m, "cluster/node-pod-cidrs", "west", steps.Warned, "3 of 3 nodes have no spec.podCIDRs", "check your CNI"))
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	if checksScreen(m).ready() || checksScreen(m).s.acked[ref] {
		t.Error("a changed warning counts as acknowledged")
	}
}

func TestChecksLoopbackAcceptedWithL(t *testing.T) {
	m, _ := checksAt(t, flowSetup, 80, 24, "east", "west")
	addr := checksEvent(t, m, "mesh/api-server-address", "", steps.Failed,
		"context east https://127.0.0.1:40001, context west https://127.0.0.1:40002: loopback addresses: inside another cluster they name the pod itself", "set the address")
	addr.event.Details = &checks.ServerAddresses{Servers: map[string]string{"east": "https://127.0.0.1:40001", "west": "https://127.0.0.1:40002"},
		Loopback: []string{"east", "west"}}
	if checksScreen(m).Keys().Loopback.Enabled() {
		t.Error("L is offered before the address check failed")
	}
	m = update(t, m, addr)
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	if !strings.Contains(line(m, "esc back"), "L allow loopback servers") {
		t.Errorf("help does not offer L: %q", line(m, "esc back"))
	}
	if v := view(m); !strings.Contains(v, "L allows loopback API server addresses") {
		t.Errorf("the verdict does not mention L:\n%s", v)
	}
	old := checksID(m)
	m, cmd := updateCmd(m, press("L"))
	c := checksScreen(m)
	if !c.s.allowLoopback || c.id == old || cmd == nil {
		t.Fatalf("L: allowLoopback %v, run %v → %v; want accepted and a new run", c.s.allowLoopback, old, c.id)
	}
	if c.Keys().Loopback.Enabled() {
		t.Error("L is still offered after accepting loopback servers")
	}
	// The new run's warning names where the choice was made: L, not a flag.
	if o := c.s.checkOptions(); !o.AllowLoopbackServers || o.LoopbackAcceptedBy != loopbackByL {
		t.Errorf("check options after L: %+v", o)
	}
	stale := checksEvent(t, m, "mesh/api-server-address", "", steps.Failed, "stale", "")
	stale.id = old
	m = update(t, m, stale)
	if got := checksCell(t, m, "API server addresses are reachable", "mesh"); strings.Trim(got, "[]") != markPending {
		t.Errorf("address cell = %q after L: the old run's event was shown", got)
	}
	warn := checksEvent(t, m, "mesh/api-server-address", "", steps.Warned,
		"loopback API server addresses accepted because "+loopbackByL+" (sandbox/test only; no real remote cluster can reach them)", "set the address")
	m = update(t, m, warn)
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	if got := checksCell(t, m, "API server addresses are reachable", "mesh"); got != "["+GlyphWarn+"]" {
		t.Errorf("address cell = %q, want the accepted loopback as a warning", got)
	}
	if v := view(m); !strings.Contains(v, "warning: loopback API server addresses accepted") {
		t.Errorf("the loopback acceptance is not shown as a warning:\n%s", v)
	}
}

func TestChecksOverlapMatrix(t *testing.T) {
	m, _ := checksAt(t, flowSetup, 80, 24, "east", "west", "north")
	mx := &checks.Matrix{Clusters: []string{"east", "west", "north"}, Cells: [][]string{
		{"", "overlap 10.244.0.0/16", "ok"},
		{"overlap 10.244.0.0/16", "", "unknown"},
		{"ok", "unknown", ""},
	}}
	ev := checksEvent(t, m, "mesh/pod-cidr-overlap", "", steps.Failed, "east pods and west pods share 10.244.0.0/16", "re-address")
	ev.event.Details = mx
	m = update(t, m, ev)
	v := view(m)
	header := checksLineWithPrefix(m, "         east ")
	if !strings.Contains(header, "west") || !strings.Contains(header, "north") {
		t.Errorf("no matrix header naming the clusters:\n%s", v)
	}
	east := strings.Fields(checksLineWithPrefix(m, "  east "))
	if want := []string{"east", markSkipped, GlyphFail, "10.244.0.0/16", GlyphOK}; !slices.Equal(east, want) {
		t.Errorf("east's matrix row = %q, want %q:\n%s", east, want, v)
	}
	north := strings.Fields(checksLineWithPrefix(m, "  north "))
	if want := []string{"north", GlyphOK, "?", markSkipped}; !slices.Equal(north, want) {
		t.Errorf("north's matrix row = %q, want %q", north, want)
	}

	// A passed overlap check shows its matrix only with the details on.
	m, _ = checksAt(t, flowSetup, 80, 24, "east", "west")
	ok := checksEvent(t, m, "mesh/pod-cidr-overlap", "", steps.Passed, "2 clusters compared", "")
	ok.event.Details = &checks.Matrix{Clusters: []string{"east", "west"}, Cells: [][]string{{"", "ok"}, {"ok", ""}}}
	m = update(t, m, ok)
	for range checksScreen(m).rows {
		if strings.HasPrefix(line(m, "›"), "› pod CIDRs do not overlap") {
			break
		}
		m = update(t, m, press("down"))
	}
	if !strings.HasPrefix(line(m, "›"), "› pod CIDRs do not overlap") {
		t.Fatalf("the cursor never reached the overlap check:\n%s", view(m))
	}
	if checksLineWithPrefix(m, "  west ") != "" {
		t.Errorf("a passed check's matrix is drawn without the details:\n%s", view(m))
	}
	m = update(t, m, press("d"))
	if row := strings.Fields(checksLineWithPrefix(m, "  west ")); !slices.Equal(row, []string{"west", GlyphOK, markSkipped}) {
		t.Errorf("with the details on, the matrix is not drawn:\n%s", view(m))
	}
	if !strings.Contains(view(m), "pod ranges, cluster against cluster") {
		t.Errorf("the detailed matrix has no caption:\n%s", view(m))
	}
}

func TestChecksDiagnosticsFlowEndsHere(t *testing.T) {
	m, _ := checksAt(t, flowDiagnostics, 80, 24, "east", "west")
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	v := view(m)
	if !strings.Contains(v, "The diagnostics are done: esc to change the topology, q to quit.") {
		t.Errorf("the diagnostics do not say they are done:\n%s", v)
	}
	if help := line(m, "esc back"); strings.Contains(help, "enter") || !strings.Contains(help, "q quit") {
		t.Errorf("help line %q: want no enter, and q", help)
	}
	m, cmd := updateCmd(m, press("enter"))
	if msg, ok := cmd().(statusMsg); !ok || !strings.Contains(string(msg), "diagnostics are done") {
		t.Errorf("enter in diagnostics sent %#v, want a status", cmd())
	}
	if m.screen != screenChecks {
		t.Errorf("enter left the last screen of diagnostics")
	}
}

func TestChecksComingBackKeepsResults(t *testing.T) {
	m, _ := checksAt(t, flowSetup, 80, 24, "east", "west")
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m), nextMsg{})
	if m.screen != screenSecurity {
		t.Fatalf("on %s, want security", screenNames[m.screen])
	}
	first := checksScreen(m).id
	m, cmd := updateCmd(m, backMsg{})
	if m.screen != screenChecks || checksScreen(m).id != first || cmd != nil || !checksScreen(m).ready() {
		t.Errorf("coming back unchanged: run %v (first %v), cmd %v, ready %v; want the results kept", checksScreen(m).id, first, cmd != nil, checksScreen(m).ready())
	}
	m = update(t, m, nextMsg{})
	m.s.cfg.MeshID = "other"
	m, cmd = updateCmd(m, backMsg{})
	second := checksScreen(m).id
	if second == first || cmd == nil {
		t.Errorf("coming back after the config changed: run %v; want a new run", second)
	}
	m = update(t, m, backMsg{}, nextMsg{})
	if id := checksScreen(m).id; id == second || id == first {
		t.Errorf("entering forward from the topology: run %v, want a new run", id)
	}
}

// checksFits fails unless every line of the frame fits width×height and the
// cursor row is drawn.
func checksFits(t *testing.T, m Model, width, height int, when string) {
	t.Helper()
	v := view(m)
	lines := strings.Split(v, "\n")
	if len(lines) > height {
		t.Errorf("%s: %d lines, want at most %d:\n%s", when, len(lines), height, v)
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("%s: line of %d cells: %q", when, w, l)
		}
	}
	if !strings.Contains(v, "› ") {
		t.Errorf("%s: the cursor row is not drawn:\n%s", when, v)
	}
}

func TestChecksFitsSmallTerminal(t *testing.T) {
	const w, h = 80, 24
	m, _ := checksAt(t, flowSetup, w, h, "kind-east-cluster", "kind-west-cluster", "kind-north-cluster")
	checksFits(t, m, w, h, "before any event")
	long := strings.Repeat("a long message explaining what went wrong in detail ", 6)
	m = update(t, m,
		checksEvent(t, m, "cluster/api-reachable", "kind-east-cluster", steps.Running, "", ""),
		checksEvent(t, m, "cluster/rbac", "kind-west-cluster", steps.Failed, long, long),
		checksEvent(t, m, "cluster/k8s-version", "kind-north-cluster", steps.Warned, long, long),
	)
	checksFits(t, m, w, h, "while running")
	mx := checksEvent(t, m, "mesh/service-cidr-overlap", "", steps.Failed, long, long)
	mx.event.Details = &checks.Matrix{
		Clusters: []string{"kind-east-cluster", "kind-west-cluster", "kind-north-cluster"},
		Cells: [][]string{
			{"", "overlap 10.96.0.0/12", "overlap 10.96.0.0/12"},
			{"overlap 10.96.0.0/12", "", "overlap 10.96.0.0/12"},
			{"overlap 10.96.0.0/12", "overlap 10.96.0.0/12", ""},
		},
	}
	m = update(t, m, mx)
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	rows := len(checksScreen(m).rows)
	for range rows { // the cursor followed the first failure
		m = update(t, m, press("up"))
	}
	for _, details := range []bool{false, true} {
		for i := range rows + 2 {
			checksFits(t, m, w, h, "moving down")
			if got := checksScreen(m).cursor; got != min(i, rows-1) {
				t.Fatalf("after %d downs the cursor is on row %d", i, got)
			}
			m = update(t, m, press("down"), press("right"))
		}
		for range rows {
			m = update(t, m, press("up"), press("left"))
			checksFits(t, m, w, h, "moving up")
		}
		if !details {
			m = update(t, m, press("d"))
		}
	}
	if v := view(m); !strings.Contains(v, "↓") {
		t.Errorf("the summary does not say rows are scrolled out:\n%s", v)
	}

	m, _ = checksAt(t, flowDiagnostics, w, h, "east", "west", "north")
	m = checksPassRest(t, m)
	m = update(t, m, checksDone(m))
	checksFits(t, m, w, h, "diagnostics done")
}

// checksDrive runs cmd and every Cmd the model returns, concurrently as
// Bubble Tea would, feeding their messages to the model until the checks
// run ends or the deadline passes.
func checksDrive(t *testing.T, m Model, cmd tea.Cmd, deadline time.Duration) (Model, runDoneMsg) {
	t.Helper()
	msgs := make(chan tea.Msg, 64)
	launch := func(c tea.Cmd) {
		if c != nil {
			go func() { msgs <- c() }()
		}
	}
	launch(cmd)
	timeout := time.After(deadline)
	for {
		select {
		case <-timeout:
			t.Fatalf("the checks run did not end within %s:\n%s", deadline, view(m))
		case msg := <-msgs:
			switch msg := msg.(type) {
			case nil:
			case tea.BatchMsg:
				for _, c := range msg {
					launch(c)
				}
			case runDoneMsg:
				m = update(t, m, msg)
				if msg.id == checksID(m) {
					return m, msg
				}
			default:
				var next tea.Cmd
				m, next = updateCmd(m, msg)
				launch(next)
			}
		}
	}
}

func TestChecksRealRunAgainstClosedPorts(t *testing.T) {
	m, cmd := checksAt(t, flowSetup, 80, 24, "east", "west")
	m, done := checksDrive(t, m, cmd, 30*time.Second)
	if done.err != nil {
		t.Fatalf("the plan was refused: %v", done.err)
	}
	want := 0
	for _, r := range checksScreen(m).rows {
		want += len(checksScreen(m).refs(r))
	}
	if n := len(done.summary.Steps); n != want || want != 2*10+7 {
		t.Errorf("%d steps ran, want %d: 10 per cluster, twice, and 7 across clusters", n, want)
	}
	v := view(m)
	for _, c := range []string{"east", "west"} {
		if got := checksCell(t, m, apiTitle, c); strings.Trim(got, "[]") != GlyphFail {
			t.Errorf("%s API cell = %q, want ✗:\n%s", c, got, v)
		}
		if got := checksCell(t, m, "Kubernetes version is supported", c); got != markSkipped {
			t.Errorf("%s version cell = %q, want skipped", c, got)
		}
	}
	for _, want := range []string{
		"east · API server answers with the kubeconfig's credentials",
		GlyphFail + " failed (connection refused): context \"east\"",
		"hint: check that the cluster is running",
		"failed checks block the install",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("frame lacks %q:\n%s", want, v)
		}
	}
	if !checksScreen(m).Keys().Loopback.Enabled() {
		t.Error("the loopback servers failed the address check, but L is not offered")
	}
	if got := checksScreen(m).s.checks; got == nil || len(got.Steps) != len(done.summary.Steps) {
		t.Error("the run is not stored in the session")
	}
	checksFits(t, m, 80, 24, "after the real run")

	// L accepts the loopback addresses: the re-run reports them as a warning.
	m, cmd = updateCmd(m, press("L"))
	m, _ = checksDrive(t, m, cmd, 30*time.Second)
	e := checksScreen(m).cells[steps.Ref{ID: serverAddressCheck}]
	if e.Status != steps.Warned || !strings.Contains(e.Message, "loopback API server addresses accepted") {
		t.Errorf("after L the address check ended %s: %s", e.Status, e.Message)
	}
}

// BenchmarkChecksView draws a finished run of 3 clusters at 80×24 with the
// cursor on a failed overlap check, its matrix and hint shown.
func BenchmarkChecksView(b *testing.B) {
	m := New(Options{})
	b.Cleanup(m.cancel)
	names := []string{"east", "west", "north"}
	var cs []kube.Context
	clients := map[string]*kube.Client{}
	for _, n := range names {
		cs = append(cs, kube.Context{Name: n})
		cl, err := kube.NewClientForConfig(n, &rest.Config{Host: "https://10.0.0.1:6443"})
		if err != nil {
			b.Fatal(err)
		}
		clients[n] = cl
	}
	feed := func(msgs ...tea.Msg) {
		for _, msg := range msgs {
			next, _ := m.Update(msg)
			m = next.(Model)
		}
	}
	feed(tea.WindowSizeMsg{Width: 80, Height: 24}, startFlowMsg{flow: flowSetup}, contextsChosenMsg{contexts: cs},
		clientsReadyMsg{clients: clients}, nextMsg{})
	c := checksScreen(m)
	var sum steps.Summary
	for _, r := range c.rows {
		for _, ref := range c.refs(r) {
			e := steps.Event{Step: ref, Title: r.title, Severity: r.severity, Status: steps.Passed, Message: "fine"}
			if ref.ID == "mesh/pod-cidr-overlap" {
				e.Status, e.Message, e.Hint = steps.Failed, "east pods and west pods share 10.244.0.0/16", "re-address"
				e.Details = &checks.Matrix{Clusters: names, Cells: [][]string{
					{"", "overlap 10.244.0.0/16", "ok"}, {"overlap 10.244.0.0/16", "", "ok"}, {"ok", "ok", ""}}}
			}
			sum.Steps = append(sum.Steps, e)
		}
	}
	feed(runDoneMsg{id: checksID(m), summary: sum})
	if !strings.Contains(ansi.Strip(m.View().Content), "10.244.0.0/16") {
		b.Fatalf("the frame does not show the overlap:\n%s", ansi.Strip(m.View().Content))
	}
	for b.Loop() {
		_ = m.View()
	}
}
