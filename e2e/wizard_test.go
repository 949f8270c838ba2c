package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// TestWizardSetupAndTeardownInTerminal is the operator's path: `meshwiz`
// with no arguments in an 80×24 terminal (a tmux pane) on the bed's
// kubeconfig; keys typed, the screen read back. Guided setup of alpha and
// beta from the start screen to the summary, then the clusters are checked
// for the mesh; then the wizard's teardown removes it and the clusters are
// checked again.
func TestWizardSetupAndTeardownInTerminal(t *testing.T) {
	b := testbed.MustShared(t)
	bin := testbed.MustMeshwizBinary(t)
	dir := t.TempDir()
	env := []string{"KUBECONFIG=" + b.Kubeconfig}

	term := startTerminal(t, 80, 24, dir, env, bin)
	term.waitFor(30*time.Second, "What do you want to do?", "Guided setup")
	term.keys("Enter")
	term.waitFor(60*time.Second, "alpha", "beta", "v1.34.4")
	selectContexts(term, 4, 0, 1) // the list is sorted: alpha, beta, delta, gamma

	term.waitFor(20*time.Second, "Deployment model", "page 1 of")
	term.keys("Enter", "Enter") // multi-primary, mesh1
	term.waitFor(20*time.Second, "Networks", "do not overlap")
	term.keys("Enter", "Enter") // one network, network1
	term.waitFor(10*time.Second, "Cluster 1 of 2: alpha")
	term.keys("Enter", "Enter") // name, API server address
	term.waitFor(10*time.Second, "Cluster 2 of 2: beta")
	term.keys("Enter", "Enter")

	// The bed's API servers are loopback: the address check fails and
	// offers to accept them, which leaves a warning to accept.
	term.waitFor(60*time.Second, "Prerequisite checks", "L allows loopback")
	term.keys("L")
	term.waitFor(60*time.Second, "press a to accept")
	term.keys("a", "Enter")

	term.waitFor(20*time.Second, "Mutual TLS", "does not exist yet")
	term.keys("Enter", "Enter", "Enter") // PERMISSIVE, generate, ./meshwiz-certs
	term.waitFor(20*time.Second, "Sidecar injection", "default")
	term.keys("Enter")
	term.waitFor(20*time.Second, "Review: what setup will do", "Cluster alpha")
	term.keys("s")
	term.waitFor(10*time.Second, "meshwiz setup --config")
	term.keys("Enter")
	term.waitFor(10*time.Second, "steps to 2 clusters? y/n")
	term.keys("y")
	term.waitFor(4*time.Minute, "The mesh is installed")
	term.keys("Enter")
	summary := term.waitFor(10*time.Second, "is installed in 2 clusters", "How to verify it")
	if !strings.Contains(summary, "remote secrets: istiod in alpha reads beta") {
		t.Errorf("the summary does not say which remote secrets were written:\n%s", summary)
	}
	term.keys("q")
	term.waitExit(30 * time.Second)
	// The whole summary stays in the terminal, its end (how to undo) too.
	if s := term.screen(); !strings.Contains(s, "meshwiz teardown --context alpha --context beta") {
		t.Errorf("after quitting, the terminal does not keep the summary's undo command:\n%s", s)
	}

	// The clusters hold the mesh.
	for _, c := range []string{"alpha", "beta"} {
		cs := b.Cluster(c).Clientset()
		if _, err := cs.AppsV1().Deployments("istio-system").Get(t.Context(), "istiod", metav1.GetOptions{}); err != nil {
			t.Errorf("%s: istiod: %v", c, err)
		}
		other := map[string]string{"alpha": "beta", "beta": "alpha"}[c]
		if _, err := cs.CoreV1().Secrets("istio-system").Get(t.Context(), mesh.RemoteSecretName(other), metav1.GetOptions{}); err != nil {
			t.Errorf("%s: the remote secret for %s: %v", c, other, err)
		}
	}
	cfg, err := mesh.Load(filepath.Join(dir, "mesh.yaml"))
	if err != nil {
		t.Fatalf("the saved mesh config: %v", err)
	}
	if cfg.Default(); cfg.Validate() != nil || len(cfg.Clusters) != 2 || cfg.Clusters[0].Context != "alpha" {
		t.Errorf("the saved mesh config is not the mesh that was installed: %+v (%v)", cfg.Clusters, cfg.Validate())
	}
	for _, key := range []string{"root-key.pem", "alpha/ca-key.pem", "beta/ca-key.pem"} {
		fi, err := os.Stat(filepath.Join(dir, "meshwiz-certs", key))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want a 0600 private key", key, err, fi.Mode().Perm())
		}
	}

	// Teardown through the wizard.
	term = startTerminal(t, 80, 24, dir, env, bin)
	term.waitFor(30*time.Second, "What do you want to do?")
	term.keys("3")
	term.waitFor(60*time.Second, "remove the mesh from", "alpha", "v1.34.4")
	selectContexts(term, 4, 0, 1)
	term.waitFor(60*time.Second, "Teardown: what will be removed", "Cluster alpha")
	term.keys("Enter")
	term.waitFor(10*time.Second, "Remove it from 2 clusters? y/n")
	term.keys("y")
	term.waitFor(4*time.Minute, "The mesh is removed from every cluster")
	term.keys("q")
	term.waitExit(30 * time.Second)

	for _, c := range []string{"alpha", "beta"} {
		cs := b.Cluster(c).Clientset()
		if _, err := cs.AppsV1().Deployments("istio-system").Get(t.Context(), "istiod", metav1.GetOptions{}); err == nil {
			t.Errorf("%s: istiod is still there after the teardown", c)
		}
		if _, err := cs.CoreV1().ConfigMaps("istio-system").Get(t.Context(), install.RecordName, metav1.GetOptions{}); err == nil {
			t.Errorf("%s: meshwiz's record is still there after the teardown", c)
		}
		whs, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range whs.Items {
			if strings.Contains(w.Name, "istio") {
				t.Errorf("%s: webhook %s left behind", c, w.Name)
			}
		}
	}
}

// selectContexts moves the cursor to the top of a list of n contexts,
// selects the rows at the given indexes (ascending) and presses enter.
func selectContexts(term *terminal, n int, rows ...int) {
	term.t.Helper()
	for range n {
		term.keys("Up")
	}
	at := 0
	for _, r := range rows {
		for ; at < r; at++ {
			term.keys("Down")
		}
		term.keys("Space")
	}
	term.keys("Enter")
}
