package install

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestReaderTokenWaitOnTokenlessCluster: on a cluster whose
// kube-controller-manager runs without the token controller, the reader-token
// step fails within its own bound, says the bound and why, and gives its own
// hint (not another step's timeout). A bed of its own, no Helm: the reader
// ServiceAccount the base chart would bring is created directly.
func TestReaderTokenWaitOnTokenlessCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b := testbed.Own(t, testbed.ClusterSpec{Name: "notoken", ControllerManagerFlags: []string{
		"--controllers=*,-serviceaccount-token,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller"}})
	cs := b.Cluster("notoken").Clientset()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(Namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: ReaderSA}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, false, "notoken", "other")
	const bound = 3 * time.Second
	env := Env{Clients: map[string]*kube.Client{"notoken": bedtest.Admin(t, b, "notoken")}, ReaderTokenTimeout: bound}
	r := &run{cfg: cfg, env: env, gateways: map[string]string{}, tokens: map[string]readerToken{}}
	var progress []string
	_, err := r.readerToken(ctx, &cfg.Clusters[0], func(s string) { progress = append(progress, s) })
	if err == nil {
		t.Fatal("the reader token was filled on a cluster without the token controller")
	}
	contains(t, "error", err.Error(), "was not filled within 3s", "token controller of notoken's kube-controller-manager does not fill")
	var h steps.Hinter
	if !errors.As(err, &h) || !strings.Contains(h.Hint(), "serviceaccount-token enabled in --controllers") || !strings.Contains(h.Hint(), "cluster/reader-token") {
		t.Errorf("hint: %v", err)
	}
	if len(progress) == 0 || !strings.Contains(progress[0], "up to 3s") {
		t.Errorf("progress %q does not state the bound", progress)
	}
	// The step's own timeout leaves the wait room to fail with its message.
	plan, err := Plan(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plan {
		if s.ID == IDReaderToken && (s.Timeout != bound+30*time.Second || s.Hint != readerTokenHint) {
			t.Errorf("%s: timeout %s, hint %q", s.Ref(), s.Timeout, s.Hint)
		}
	}
}
