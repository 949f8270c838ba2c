package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// TestReaderTokenProbeOnTokenController: on a cluster that shows no
// evidence (no kube-controller-manager Pod, no service-account-token
// Secret), the probe sees the token controller fill its Secret, passes, and
// removes its ServiceAccount and Secret.
func TestReaderTokenProbeOnTokenController(t *testing.T) {
	b := bed(t)
	ctx := t.Context()
	cs := b.Cluster("poddup").Clientset()
	got := run(t, Options{Clusters: clusters(t, b, "poddup"), AllowLoopbackServers: true})
	expect(t, got, "cluster/reader-token@poddup", steps.Passed, "no service-account-token Secret exists", "the token controller filled a probe Secret", "removed again")
	noProbeLeft(t, ctx, cs)
}

// expectProbeFails runs the checks setup runs (ForMesh) on the one
// token-less cluster of opts: cluster/reader-token fails through the probe
// with the hint naming the controller and the fix, the run stops setup
// before anything is applied, and the cluster holds no meshwiz object.
func expectProbeFails(t *testing.T, ctx context.Context, opts Options, cs kubernetes.Interface) {
	t.Helper()
	c := opts.Clusters[0]
	cfg := &mesh.Config{APIVersion: mesh.APIVersion, Kind: mesh.Kind, Model: mesh.MultiPrimary,
		Clusters: []mesh.Cluster{{Context: c.Client.Context, Name: c.Name}}}
	cfg.Security.CA.Dir = t.TempDir()
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	plan, err := ForMesh(cfg, map[string]*kube.Client{c.Client.Context: c.Client},
		MeshOptions{AllowLoopbackServers: true, TokenProbeWait: opts.TokenProbeWait})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sum, err := steps.Run(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := "cluster/reader-token@" + c.Client.Context
	var e steps.Event
	for _, ev := range sum.Steps {
		if ev.Step.String() == id {
			e = ev
		}
	}
	if e.Status != steps.Failed || !sum.Failed() {
		t.Fatalf("%s: %s (%s); setup would go on to apply", id, e.Status, e.Message)
	}
	for _, w := range []string{"no service-account-token Secret exists", "probe's service-account-token Secret default/meshwiz-token-probe-",
		"was not filled within " + opts.TokenProbeWait.String(), "removed again", "setup's reader token would wait the same way"} {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q lacks %q", e.Message, w)
		}
	}
	for _, w := range []string{"-serviceaccount-token", "--service-account-private-key-file", "managed cluster ask the provider"} {
		if !strings.Contains(e.Hint, w) {
			t.Errorf("hint %q lacks %q", e.Hint, w)
		}
	}
	if took := time.Since(start); took > opts.TokenProbeWait+20*time.Second {
		t.Errorf("the checks took %s with a %s probe", took, opts.TokenProbeWait)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, IstioNamespace, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s: %v, want NotFound", IstioNamespace, err)
	}
	noProbeLeft(t, ctx, cs)
}

// noProbeLeft asserts that no ServiceAccount or Secret labelled
// managed-by=meshwiz, and no service-account-token Secret at all, exists in
// any namespace.
func noProbeLeft(t *testing.T, ctx context.Context, cs kubernetes.Interface) {
	t.Helper()
	byLabel := metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=meshwiz"}
	sas, err := cs.CoreV1().ServiceAccounts("").List(ctx, byLabel)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := cs.CoreV1().Secrets("").List(ctx, byLabel)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := cs.CoreV1().Secrets("").List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("type", string(corev1.SecretTypeServiceAccountToken)).String()})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		what string
		n    int
	}{{"labelled ServiceAccounts", len(sas.Items)}, {"labelled Secrets", len(secrets.Items)}, {"service-account-token Secrets", len(tokens.Items)}} {
		if l.n > 0 {
			t.Errorf("%d %s left behind", l.n, l.what)
		}
	}
}
