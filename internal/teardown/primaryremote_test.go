package teardown

import (
	"context"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/install/installtest"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestPrimaryRemote is the hub/spoke chain: the preview of tearing down only
// the primary names the remote that loses its control plane; a teardown of
// both, cancelled half way, finishes when run again; a ConfigMap the user
// created in istio-system survives and keeps the namespace (the inventory
// says why); a stale Istio webhook whose Service is gone is removed, a
// foreign one is kept until the user includes it.
func TestPrimaryRemote(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hub, spoke := bedtest.Client(t, testbed.Shared(), "hub"), bedtest.Client(t, testbed.Shared(), "spoke")
	mustCreate(t, errOf(spoke.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "app"}}, metav1.CreateOptions{})))
	cfg := bedtest.Mesh(t, mesh.PrimaryRemote, true, "hub", "spoke")
	cfg.Security.MTLS = mesh.MTLSStrict
	cfg.Cluster("spoke").InjectNamespaces = []string{"app"}
	installtest.Setup(t, cfg, installtest.Env(t, testbed.Shared(), cfg))
	mustCreate(t, errOf(spoke.Kube.CoreV1().Pods("app").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web",
		Annotations: map[string]string{sidecarStatusAnno: `{"containers":["istio-proxy"]}`}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}, metav1.CreateOptions{})))

	// Only the primary: the remote loses its control plane.
	inv, err := Discover(ctx, Options{Clients: bedtest.Clients(t, testbed.Shared(), "hub")})
	if err != nil {
		t.Fatal(err)
	}
	breaks := inv.Preview()
	if !slices.ContainsFunc(breaks, func(b Break) bool {
		return b.Kind == BreakRemote && b.Cluster == "spoke" && strings.Contains(b.Message, "remote of hub")
	}) {
		t.Errorf("tearing down hub alone: the preview does not say spoke loses its control plane: %+v", breaks)
	}
	if !inv.Cluster("hub").ServesRemotes {
		t.Error("hub is not seen serving remotes")
	}
	if lines := strings.Join(inv.Lines(), "\n"); !strings.Contains(lines, "What will break:") || !strings.Contains(lines, "[spoke] cluster spoke is a remote of hub") {
		t.Errorf("inventory lines:\n%s", lines)
	}

	// The user's objects, a stale webhook and a foreign one.
	mustCreate(t, errOf(hub.Kube.CoreV1().ConfigMaps(install.Namespace).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "user-config"},
		Data: map[string]string{"k": "v"}}, metav1.CreateOptions{})))
	mustCreate(t, errOf(hub.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, metav1.CreateOptions{})))
	mustCreate(t, errOf(hub.Kube.CoreV1().Services("other").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "istiod"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 443}}}}, metav1.CreateOptions{})))
	mustCreate(t, errOf(hub.Kube.CoreV1().ConfigMaps("other").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "marked",
		Labels: map[string]string{install.ManagedByLabel: install.ManagedByValue}}}, metav1.CreateOptions{})))
	path := "/inject"
	hook := func(name, ns, svc string) []admissionv1.MutatingWebhook {
		none := admissionv1.SideEffectClassNone
		return []admissionv1.MutatingWebhook{{Name: name, SideEffects: &none, AdmissionReviewVersions: []string{"v1"},
			ClientConfig: admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: ns, Name: svc, Path: &path}}}}
	}
	mwcs := hub.Kube.AdmissionregistrationV1().MutatingWebhookConfigurations()
	mustCreate(t, errOf(mwcs.Create(ctx, &admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "istio-revision-tag-stale"},
		Webhooks: hook("stale.sidecar-injector.istio.io", install.Namespace, "istiod-stale")}, metav1.CreateOptions{})))
	mustCreate(t, errOf(mwcs.Create(ctx, &admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "istio-sidecar-injector-foreign"},
		Webhooks: hook("foreign.sidecar-injector.istio.io", "other", "istiod")}, metav1.CreateOptions{})))

	// Both, cancelled once hub's istiod is gone.
	opts := Options{Clients: bedtest.Clients(t, testbed.Shared(), "hub", "spoke")}
	cctx, cancel := context.WithCancel(ctx)
	o := teardownWith(t, cctx, opts, func(e steps.Event) {
		if e.Step.ID == IDIstiod && e.Step.Cluster == "hub" && e.Status == steps.Passed {
			cancel()
		}
	})
	cancel()
	checkBoth(t, o.before)
	if e := bedtest.Event(o.sum, IDRecord, "hub"); e.Status != steps.Skipped {
		t.Errorf("the cancelled teardown removed hub's record: %s %s", e.Status, e.Message)
	}
	if _, err := install.ReadRecord(ctx, hub); err != nil {
		t.Fatal(err)
	}
	if c := o.after.Cluster("hub"); c.NothingLeft() || !c.HasRecord {
		t.Errorf("after the cancelled teardown hub has nothing left? record %v\n%s", c.HasRecord, strings.Join(c.Lines(), "\n"))
	}
	if err := o.after.Unfinished(o.sum); err == nil || !strings.Contains(err.Error(), "hub: ") {
		t.Errorf("unfinished after cancel: %v", err)
	}

	// Run again: it finishes; the user's ConfigMap keeps istio-system.
	o = teardownWith(t, ctx, opts, nil)
	wantPassed(t, o)
	ns, ok := o.before.Cluster("hub").Find("Namespace", "", install.Namespace)
	if !ok || ns.Action != Keep || !strings.Contains(ns.Reason, "ConfigMap user-config") || len(o.before.Cluster("hub").Blockers) != 1 {
		t.Errorf("hub's istio-system: %+v, blockers %+v", ns, o.before.Cluster("hub").Blockers)
	}
	if cm, err := hub.Kube.CoreV1().ConfigMaps(install.Namespace).Get(ctx, "user-config", getOpts); err != nil || cm.Data["k"] != "v" {
		t.Errorf("the user's ConfigMap did not survive: %v", err)
	}
	if msg := bedtest.Event(o.sum, IDNamespace, "hub").Message; !strings.Contains(msg, "kept namespace istio-system (holds objects meshwiz did not create: ConfigMap user-config)") {
		t.Errorf("namespace step: %q", msg)
	}
	left := strings.Join(LeftBehindLines(o.before, o.after), "\n")
	for _, want := range []string{"hub: kept ConfigMap istio-system/user-config", "hub: kept MutatingWebhookConfiguration istio-sidecar-injector-foreign", "spoke: kept 15 Istio CRDs"} {
		if !strings.Contains(left, want) {
			t.Errorf("left behind lacks %q:\n%s", want, left)
		}
	}
	if _, err := hub.Kube.CoreV1().ConfigMaps("other").Get(ctx, "marked", getOpts); !apierrors.IsNotFound(err) {
		t.Errorf("the ConfigMap labelled managed-by=meshwiz is still there: %v", err)
	}
	if _, err := mwcs.Get(ctx, "istio-revision-tag-stale", getOpts); !apierrors.IsNotFound(err) {
		t.Errorf("the stale webhook is still there: %v", err)
	}
	if err := o.after.Unfinished(o.sum); err != nil {
		t.Error(err)
	}

	// Naming the foreign webhook removes it; then nothing is left.
	inc, err := ParseInclude("mwc/istio-sidecar-injector-foreign")
	if err != nil {
		t.Fatal(err)
	}
	opts.Include = []Include{inc, {Kind: "ConfigMap", Name: "nope"}}
	o = teardownWith(t, ctx, opts, nil)
	wantPassed(t, o)
	if !slices.Equal(o.before.UnmatchedIncludes, []string{"ConfigMap/nope"}) {
		t.Errorf("unmatched includes %v", o.before.UnmatchedIncludes)
	}
	assertClean(t, "hub", "configmaps/user-config")
	assertClean(t, "spoke")
	opts.Include = nil
	again, err := Discover(ctx, opts)
	if err != nil || !again.NothingToDo() {
		t.Errorf("a further teardown has work: %v\n%s", err, strings.Join(again.Lines(), "\n"))
	}
	t.Run("half-finished-setup", func(t *testing.T) { halfFinished(t, cfg, opts) })
}

// checkBoth asserts what discovery found with both hub and spoke selected.
func checkBoth(t *testing.T, inv *Inventory) {
	t.Helper()
	hub, spoke := inv.Cluster("hub"), inv.Cluster("spoke")
	if spoke.ControlPlane != "hub" {
		t.Errorf("spoke's control plane %q", spoke.ControlPlane)
	}
	for _, want := range []struct {
		c                  *Cluster
		kind, ns, name     string
		action             Action
		reasonHas, details string
	}{
		{hub, "Gateway", install.Namespace, "istiod-gateway", Remove, ReasonRecord, ""},
		{hub, "VirtualService", install.Namespace, "istiod-vs", Remove, ReasonRecord, ""},
		{hub, "PeerAuthentication", install.Namespace, "default", Remove, ReasonRecord, "STRICT"},
		{hub, "Secret", install.Namespace, mesh.RemoteSecretName("spoke"), Remove, ReasonRecord, "read cluster spoke"},
		{hub, "MutatingWebhookConfiguration", "", "istio-revision-tag-stale", Remove, "is gone and meshwiz installed Istio here", "istio-system/istiod-stale (gone)"},
		{hub, "MutatingWebhookConfiguration", "", "istio-sidecar-injector-foreign", Keep, ReasonNotOurs, "other/istiod"},
		{hub, "ConfigMap", install.Namespace, "user-config", Keep, ReasonNotOurs, ""},
		{hub, "ConfigMap", "other", "marked", Remove, ReasonLabel, ""},
		{spoke, "Namespace", "", "app", Remove, "set by meshwiz", "istio-injection=enabled"},
		{spoke, "Release", install.Namespace, install.ReleaseIstiod, Remove, ReasonRecord, "chart istiod"},
	} {
		var found *Object
		for i, o := range want.c.Objects {
			if o.Kind == want.kind && o.Namespace == want.ns && o.Name == want.name && o.Action == want.action {
				found = &want.c.Objects[i]
			}
		}
		if want.kind == "ConfigMap" && want.action == Keep {
			for i, o := range want.c.Blockers {
				if o.Name == want.name {
					found = &want.c.Blockers[i]
				}
			}
		}
		if found == nil || found.Action != want.action || !strings.Contains(found.Reason, want.reasonHas) || !strings.Contains(found.Detail, want.details) {
			t.Errorf("%s: %s %s/%s: %+v; want %s (%s) [%s]", want.c.Context, want.kind, want.ns, want.name, found, want.action, want.reasonHas, want.details)
		}
	}
	breaks := inv.Preview()
	if !slices.ContainsFunc(breaks, func(b Break) bool {
		return b.Kind == BreakSidecars && b.Cluster == "spoke" && b.Namespace == "app" && strings.Contains(b.Message, "STRICT")
	}) {
		t.Errorf("the preview does not warn about app's sidecar under STRICT mTLS: %+v", breaks)
	}
	if slices.ContainsFunc(breaks, func(b Break) bool { return b.Kind == BreakRemote }) {
		t.Errorf("spoke goes too, yet the preview says it loses its control plane: %+v", breaks)
	}
}

func mustCreate(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// errOf drops the value of a (value, error) pair.
func errOf[T any](_ T, err error) error { return err }

// halfFinished runs setup until the primary's istio-base is deployed,
// cancels it, and tears down what it left (releases in any state included).
func halfFinished(t *testing.T, cfg *mesh.Config, opts Options) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := installtest.Run(ctx, cfg, installtest.Env(t, testbed.Shared(), cfg), func(e steps.Event) {
		if e.Step.ID == install.IDBase && e.Step.Cluster == cfg.Clusters[0].Context && e.Status == steps.Passed {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	o := teardownWith(t, t.Context(), opts, nil)
	wantPassed(t, o)
	first := cfg.Clusters[0].Context
	if _, ok := o.before.Cluster(first).Find("Release", install.Namespace, install.ReleaseBase); !ok {
		t.Errorf("%s's istio-base was not found after the cut setup:\n%s", first, strings.Join(o.before.Lines(), "\n"))
	}
	for _, cl := range cfg.Clusters {
		assertClean(t, cl.Context, "configmaps/user-config")
	}
	if err := o.after.Unfinished(o.sum); err != nil {
		t.Error(err)
	}
}
