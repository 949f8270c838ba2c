package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// notokenControllers is the bed's controller list without the token controller.
const notokenControllers = "--controllers=*,-serviceaccount-token,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller"

// TestReaderTokenWithoutTokenController runs the checks on a cluster of its
// own whose kube-controller-manager runs without the token controller: with
// no evidence the probe fails it; an unfilled service-account-token Secret older
// than the grace, or the controller manager's flags seen in its kube-system
// Pod, fail it with the hint. The check leaves nothing behind.
func TestReaderTokenWithoutTokenController(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b, err := testbed.Start(ctx, testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "notoken", PodCIDR: "10.250.0.0/16", ControllerManagerFlags: []string{notokenControllers}},
	}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Error(err)
		}
	})
	cs := b.Cluster("notoken").Clientset()
	opts := Options{Clusters: clusters(t, b, "notoken"), AllowLoopbackServers: true, TokenFillGrace: 2 * time.Second, TokenProbeWait: 3 * time.Second}

	// No evidence: the probe decides, and leaves nothing (tokenprobe_test.go).
	expectProbeFails(t, ctx, opts, cs)

	// Some tool (or an earlier setup) asked for a token Secret: it stays empty.
	if err := tokenSecret(ctx, cs, "default", "tool-token"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	got := run(t, opts)
	expect(t, got, "cluster/reader-token@notoken", steps.Failed, "default/tool-token has waited", "without a token")
	if h := got["cluster/reader-token@notoken"].Hint; !strings.Contains(h, "serviceaccount-token") || !strings.Contains(h, "--service-account-private-key-file") {
		t.Errorf("hint %q", h)
	}
	if s, _ := cs.CoreV1().Secrets("default").Get(ctx, "tool-token", metav1.GetOptions{}); len(s.Data["token"]) > 0 {
		t.Fatal("the Secret was filled: the controller manager runs the token controller after all")
	}

	// A kubeadm-style cluster shows its controller manager as a Pod in
	// kube-system; its flags decide (here the flags this cluster runs with).
	_, err = cs.CoreV1().Pods("kube-system").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-controller-manager-node0", Labels: map[string]string{"component": "kube-controller-manager"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-controller-manager", Image: "registry.k8s.io/kube-controller-manager:v1.34.4",
			Command: []string{"kube-controller-manager", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key", notokenControllers}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got = run(t, opts)
	expect(t, got, "cluster/reader-token@notoken", steps.Failed, "kube-system/kube-controller-manager-node0 runs without the token controller", "-serviceaccount-token")
}

func TestTokenControllerFlags(t *testing.T) {
	pod := func(args ...string) corev1.Pod {
		return corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Command: []string{"kube-controller-manager"}, Args: args}}}}
	}
	key := "--service-account-private-key-file=/k"
	for _, tc := range []struct {
		pod corev1.Pod
		on  bool
		why string
	}{
		{pod(key), true, "--controllers=*"},
		{pod(key, "--controllers=*,-serviceaccount-token"), false, "-serviceaccount-token"},
		{pod(key, "--controllers=namespace,serviceaccount"), false, "does not list serviceaccount-token"},
		{pod(key, "--controllers=serviceaccount-token,namespace"), true, "serviceaccount-token"},
		{pod("--controllers=*"), false, "no --service-account-private-key-file"},
	} {
		on, why := tokenControllerFlags(tc.pod)
		if on != tc.on || !strings.Contains(why, tc.why) {
			t.Errorf("%v: %v %q, want %v %q", tc.pod.Spec.Containers[0].Args, on, why, tc.on, tc.why)
		}
	}
}
