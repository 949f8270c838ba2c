package status

import (
	"context"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/install/installtest"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// The bed: a and b get a multi-primary mesh; c stays empty.
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{{Name: "a"}, {Name: "b"}, {Name: "c"}}})
}

func run(t *testing.T, clients ...*kube.Client) steps.Summary {
	t.Helper()
	sum, err := steps.Run(t.Context(), Plan(clients), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// statusRequests is the most API requests one status may send per cluster
// of a healthy two-cluster mesh.
const statusRequests = 20

func TestStatus(t *testing.T) {
	a, b, c := bedtest.Admin(t, testbed.Shared(), "a"), bedtest.Admin(t, testbed.Shared(), "b"), bedtest.Admin(t, testbed.Shared(), "c")

	// Before any install: warnings and skips, nothing failed, no mesh.
	sum := run(t, a, b)
	if sum.Failed() || bedtest.Event(sum, IDRecord, "a").Status != steps.Warned || bedtest.Event(sum, IDMesh, "").Status != steps.Skipped {
		t.Errorf("empty clusters: %+v", sum.Steps)
	}

	cfg := bedtest.Mesh(t, mesh.MultiPrimary, false, "a", "b")
	installtest.Setup(t, cfg, installtest.Env(t, testbed.Shared(), cfg))

	sum = run(t, a, b)
	if sum.Failed() || sum.Count(steps.Warned) != 0 {
		t.Errorf("a healthy mesh reports problems:\n%s", report(sum))
	}
	// What one status costs per cluster, from fresh client bundles (the
	// README's table of API requests per command).
	fa, fb := bedtest.Admin(t, testbed.Shared(), "a"), bedtest.Admin(t, testbed.Shared(), "b")
	run(t, fa, fb)
	for _, c := range []*kube.Client{fa, fb} {
		t.Logf("status: %d API requests to %s", c.Requests(), c.Context)
		if n := c.Requests(); n > statusRequests {
			t.Errorf("status sent %d API requests to %s, over its budget of %d", n, c.Context, statusRequests)
		}
	}
	for _, want := range []struct{ id, cluster, msg string }{
		{IDRecord, "a", "mesh mesh1, cluster a"},
		{IDReleases, "b", "istiod (istiod"},
		{IDIstiod, "a", "istiod 1/1 ready"},
		{IDRemoteSecrets, "a", "reads b"},
		{IDMesh, "", "one mesh mesh1"},
	} {
		if e := bedtest.Event(sum, want.id, want.cluster); !strings.Contains(e.Message, want.msg) {
			t.Errorf("%s in %s: %q, want %q", want.id, want.cluster, e.Message, want.msg)
		}
	}

	// A cluster outside the mesh joins the selection: the mesh check says so.
	if e := bedtest.Event(run(t, a, b, c), IDMesh, ""); e.Status != steps.Skipped || !strings.Contains(e.Message, "c has no meshwiz record") {
		t.Errorf("mesh with c: %s %q", e.Status, e.Message)
	}

	// Break it: b no longer reads a, and a webhook calls a Service that is gone.
	ctx := context.Background()
	if err := b.Kube.CoreV1().Secrets(install.Namespace).Delete(ctx, mesh.RemoteSecretName("a"), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	path := "/validate"
	_, err := a.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "istio-validator-old"},
		Webhooks: []admissionv1.ValidatingWebhook{{Name: "old.istio.io", SideEffects: ptr(admissionv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			ClientConfig:            admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: "istio-old", Name: "istiod-old", Path: &path}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum = run(t, a, b)
	if e := bedtest.Event(sum, IDMesh, ""); e.Status != steps.Failed || !strings.Contains(e.Message, "istiod in b does not read a") {
		t.Errorf("mesh after deleting b's remote secret for a: %s %q", e.Status, e.Message)
	}
	if e := bedtest.Event(sum, IDWebhooks, "a"); e.Status != steps.Failed || !strings.Contains(e.Message, "istio-validator-old → istio-old/istiod-old") {
		t.Errorf("stale webhook: %s %q", e.Status, e.Message)
	}
}

func ptr[T any](v T) *T { return &v }

func report(sum steps.Summary) string {
	var b strings.Builder
	_ = steps.TextReport{}.Render(&b, sum)
	return b.String()
}
