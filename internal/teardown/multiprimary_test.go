package teardown

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/install/installtest"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// istioCRDs is the number of CRDs the embedded istio-base chart installs.
const istioCRDs = 15

// TestMultiPrimaryTwoNetworks is the east/west chain: setup → teardown
// (nothing left but the CRDs) → a second teardown finds nothing → purge
// removes the CRDs → a fresh setup succeeds → teardown with west down
// removes what it can and says what is left where → with west back a
// re-run finishes.
func TestMultiPrimaryTwoNetworks(t *testing.T) {
	t.Parallel()
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, true, "east", "west")
	installtest.Setup(t, cfg, installtest.Env(t, testbed.Shared(), cfg))
	east := bedtest.Client(t, testbed.Shared(), "east")
	if _, err := east.Kube.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := east.Kube.CoreV1().Pods("shop").Create(t.Context(), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "cart"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "cart", Image: "cart"}, {Name: "istio-proxy", Image: "proxyv2"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	opts := Options{Clients: bedtest.Clients(t, testbed.Shared(), "east", "west")}

	o := teardownWith(t, t.Context(), opts, nil)
	checkInventory(t, o.before)
	checkOrder(t, o.plan)
	wantPassed(t, o)
	documentGolden(t, "multiprimary-teardown.json.golden", NewDocument(o.before, &o.sum, o.after, ResultDone))
	for _, ctx := range []string{"east", "west"} {
		if n := assertClean(t, ctx); n != istioCRDs {
			t.Errorf("%s: %d Istio CRDs left, want the %d of istio-base (kept without --purge-crds)", ctx, n, istioCRDs)
		}
	}
	if err := o.after.Unfinished(o.sum); err != nil {
		t.Errorf("a finished teardown says: %v", err)
	}
	left := LeftBehindLines(o.before, o.after)
	if !slices.ContainsFunc(left, func(l string) bool { return strings.Contains(l, "east: kept 15 Istio CRDs") }) {
		t.Errorf("left behind does not name the kept CRDs:\n%s", strings.Join(left, "\n"))
	}

	// A second teardown finds nothing and says so.
	again, err := Discover(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(again)
	if err != nil || len(plan) != 0 || !again.NothingToDo() {
		t.Fatalf("second teardown: %d steps (%v), nothing to do %v:\n%s", len(plan), err, again.NothingToDo(), strings.Join(again.Lines(), "\n"))
	}
	lines := strings.Join(again.Lines(), "\n")
	for _, want := range []string{"Cluster east: nothing of the mesh left", "Cluster west: nothing of the mesh left",
		"keep    15 Istio CRDs holding 0 custom resources", ReasonPurgeCRDs} {
		if !strings.Contains(lines, want) {
			t.Errorf("second inventory lacks %q:\n%s", want, lines)
		}
	}

	// --purge-crds removes them, and nothing else is to do.
	purge := opts
	purge.PurgeCRDs = true
	o = teardownWith(t, t.Context(), purge, nil)
	wantPassed(t, o)
	if ids := stepIDs(o.sum, "east"); !slices.Equal(ids, []string{IDCRDs}) {
		t.Errorf("purge ran %v, want only %s", ids, IDCRDs)
	}
	for _, ctx := range []string{"east", "west"} {
		if n := assertClean(t, ctx); n != 0 {
			t.Errorf("%s: %d Istio CRDs left after --purge-crds", ctx, n)
		}
	}

	// A fresh setup succeeds on the clean clusters.
	installtest.Setup(t, cfg, installtest.Env(t, testbed.Shared(), cfg))
	t.Run("west-unreachable", func(t *testing.T) { unreachable(t, opts) })
}

// checkInventory asserts what discovery found in a freshly installed
// multi-primary mesh.
func checkInventory(t *testing.T, inv *Inventory) {
	t.Helper()
	for _, name := range []string{"east", "west"} {
		other := map[string]string{"east": "west", "west": "east"}[name]
		c := inv.Cluster(name)
		if c == nil || !c.Reachable || !c.HasRecord || c.Name != name || c.MeshID != "mesh1" {
			t.Fatalf("%s: %+v", name, c)
		}
		for _, want := range []struct{ kind, ns, name, reason string }{
			{"Secret", install.Namespace, mesh.RemoteSecretName(other), ReasonRecord},
			{"Secret", install.Namespace, install.ReaderToken, ReasonRecord},
			{"Secret", install.Namespace, install.CACertsSecret, ReasonRecord},
			{"Release", install.Namespace, install.ReleaseIstiod, ReasonRecord},
			{"Release", install.Namespace, install.ReleaseBase, ReasonRecord},
			{"Release", install.Namespace, install.ReleaseGateway, ReasonRecord},
			{"Gateway", install.Namespace, "cross-network-gateway", ReasonRecord},
			{"ServiceAccount", install.Namespace, install.ReaderSA, "part of meshwiz's Helm release istio-base"},
			{"ValidatingWebhookConfiguration", "", "istiod-default-validator", "part of meshwiz's Helm release istio-base"},
			{"MutatingWebhookConfiguration", "", "istio-sidecar-injector", "part of meshwiz's Helm release istiod"},
			{"Namespace", "", install.Namespace, ReasonRecord},
			{"ConfigMap", install.Namespace, install.RecordName, ""},
		} {
			o, ok := c.Find(want.kind, want.ns, want.name)
			if !ok || o.Action != Remove || (want.reason != "" && o.Reason != want.reason) {
				t.Errorf("%s: %s %s/%s: found %v, %+v; want removed (%s)", name, want.kind, want.ns, want.name, ok, o, want.reason)
			}
		}
		var crds int
		for _, o := range c.Objects {
			if o.Category == CatCRD {
				crds++
				if o.Action != Keep || o.Reason != ReasonPurgeCRDs {
					t.Errorf("%s: CRD %s: %s (%s), want kept", name, o.Name, o.Action, o.Reason)
				}
			}
		}
		if crds != istioCRDs {
			t.Errorf("%s: %d CRDs found, want %d", name, crds, istioCRDs)
		}
		if len(c.PointedAtBy) != 1 || c.PointedAtBy[0].Cluster != other || c.PointedAtBy[0].Name != mesh.RemoteSecretName(name) {
			t.Errorf("%s: pointed at by %+v, want %s's remote secret", name, c.PointedAtBy, other)
		}
	}
	breaks := inv.Preview()
	if !slices.ContainsFunc(breaks, func(b Break) bool {
		return b.Kind == BreakSidecars && b.Cluster == "east" && b.Namespace == "shop" && strings.Contains(b.Message, "1 pod(s)") && strings.Contains(b.Message, "cart")
	}) {
		t.Errorf("the preview does not warn about shop's sidecar: %+v", breaks)
	}
	if slices.ContainsFunc(breaks, func(b Break) bool { return b.Kind == BreakPeer || b.Kind == BreakRemote }) {
		t.Errorf("both clusters go, yet the preview names a dependent: %+v", breaks)
	}
}

// checkOrder asserts the safe order of east's lane, and that west's first
// step after its remote secrets waits for east's remote secrets (which
// point at west).
func checkOrder(t *testing.T, plan []steps.Step) {
	t.Helper()
	var ids []string
	for _, s := range plan {
		if s.Cluster == "east" {
			ids = append(ids, s.ID)
		}
		if s.Cluster == "west" && s.ID == IDExposure && !slices.Contains(s.After, steps.Ref{ID: IDRemoteSecrets, Cluster: "east"}) {
			t.Errorf("west's %s does not wait for east's remote secrets: %v", s.ID, s.After)
		}
	}
	want := []string{IDRemoteSecrets, IDExposure, IDGateway, IDIstiod, IDWebhooks, IDBase, IDReader, IDCACerts, IDNamespace, IDRecord}
	if !slices.Equal(ids, want) {
		t.Errorf("east's lane %v, want %v", ids, want)
	}
}

func stepIDs(sum steps.Summary, cluster string) []string {
	var ids []string
	for _, e := range sum.Steps {
		if e.Step.Cluster == cluster {
			ids = append(ids, e.Step.ID)
		}
	}
	return ids
}

// unreachable tears down east and west while west's apiserver is down:
// east is cleaned (its remote secret for west included), west is reported
// not reached, and once west is back a re-run finishes.
func unreachable(t *testing.T, opts Options) {
	// West's client points at a closed port on loopback: to a client that is
	// what a stopped apiserver is (connection refused), without the ~25 s
	// of stopping west's real apiserver and starting it again (install's
	// TestInstallResumesAfterAPIServerDies and the testbed's own tests do
	// that). The re-run below uses west's real client again.
	down := opts
	down.Clients = nil
	for _, c := range opts.Clients {
		if c.Context == "west" {
			cfg := testbed.Shared().Cluster("west").RESTConfig()
			cfg.Host = testbed.ClosedURL(t)
			var err error
			if c, err = kube.NewClientForConfig("west", cfg); err != nil {
				t.Fatal(err)
			}
		}
		down.Clients = append(down.Clients, c)
	}
	down.ProbeTimeout = 5 * time.Second
	start := time.Now()
	o := teardownWith(t, t.Context(), down, nil)
	t.Logf("+%v teardown with west down", time.Since(start).Round(time.Millisecond))
	wantPassed(t, o)
	if w := o.before.Cluster("west"); w.Reachable || w.Reason != "connection-refused" || len(w.Objects) != 0 || !strings.Contains(w.Error, `context "west"`) {
		t.Errorf("west while down: %+v", w)
	}
	if e := o.before.Cluster("east"); e == nil {
		t.Fatal("no east")
	} else if s, ok := e.Find("Secret", install.Namespace, mesh.RemoteSecretName("west")); !ok || s.Action != Remove {
		t.Errorf("east's remote secret for the unreachable west: %v %+v", ok, s)
	}
	if ids := stepIDs(o.sum, "west"); len(ids) != 0 {
		t.Errorf("steps ran for the unreachable west: %v", ids)
	}
	if n := assertClean(t, "east"); n != istioCRDs {
		t.Errorf("east: %d CRDs", n)
	}
	err := o.after.Unfinished(o.sum)
	if err == nil || !strings.Contains(err.Error(), "west: not reached") || strings.Contains(err.Error(), "east") {
		t.Errorf("unfinished: %v, want west not reached and nothing about east", err)
	}
	left := strings.Join(LeftBehindLines(o.before, o.after), "\n")
	if !strings.Contains(left, "west: not reached") || !strings.Contains(left, "run teardown again when it answers") || strings.Contains(left, "east: still there") {
		t.Errorf("left behind:\n%s", left)
	}
	lines := strings.Join(o.before.Lines(), "\n")
	if !strings.Contains(lines, "Cluster west: not reached: ") || !strings.Contains(lines, "hint: ") {
		t.Errorf("inventory with west down:\n%s", lines)
	}

	// West answers again: a re-run finishes the job there.
	opts.ProbeTimeout = 5 * time.Second
	o = teardownWith(t, t.Context(), opts, nil)
	t.Logf("+%v teardown re-run", time.Since(start).Round(time.Millisecond))
	wantPassed(t, o)
	if len(stepIDs(o.sum, "east")) != 0 || len(stepIDs(o.sum, "west")) == 0 {
		t.Errorf("re-run: east %v, west %v", stepIDs(o.sum, "east"), stepIDs(o.sum, "west"))
	}
	assertClean(t, "west")
	if err := o.after.Unfinished(o.sum); err != nil {
		t.Error(err)
	}
}
