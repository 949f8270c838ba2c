package action

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// bedSetup is a Setup of a multi-primary mesh of east and west whose CA
// directory is a fresh temp path (not created yet).
func bedSetup(t *testing.T) *Setup {
	t.Helper()
	cfg := &mesh.Config{Clusters: []mesh.Cluster{{Context: "east"}, {Context: "west"}}}
	cfg.Security.CA.Dir = filepath.Join(t.TempDir(), "certs")
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a := &Setup{Config: cfg, Clients: map[string]*kube.Client{}, KeyBits: 2048}
	for _, c := range bedClients(t) {
		a.Clients[c.Context] = c
	}
	return a
}

// wantNothingWritten fails if the CA directory or istio-system exists.
func wantNothingWritten(t *testing.T, a *Setup) {
	t.Helper()
	if _, err := os.Stat(a.Config.Security.CA.Dir); err == nil {
		t.Errorf("the CA directory %s was written", a.Config.Security.CA.Dir)
	}
	for ctx, c := range a.Clients {
		if _, err := c.Kube.CoreV1().Namespaces().Get(t.Context(), install.Namespace, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("%s: namespace %s exists or was not read (%v)", ctx, install.Namespace, err)
		}
	}
}

// TestSetupStopsAtFailedChecks: loopback API servers fail the checks, so
// Setup never asks, writes no certificate and applies nothing.
func TestSetupStopsAtFailedChecks(t *testing.T) {
	a := bedSetup(t)
	a.Confirm = func(steps.Summary, []steps.Step) bool { t.Error("Confirm asked although a check failed"); return true }
	res, err := a.Run(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != ChecksFailed || !res.Checks.Failed() || len(res.Install.Steps) != 0 {
		t.Fatalf("outcome %s, checks failed %v, %d install steps; want checks failed and nothing run", res.Outcome, res.Checks.Failed(), len(res.Install.Steps))
	}
	wantNothingWritten(t, a)
}

// TestSetupDeclinedWritesNothing: once the checks pass, Confirm sees the
// checks and the preview of every cluster's steps; no stops the flow before
// the certificates.
func TestSetupDeclinedWritesNothing(t *testing.T) {
	a := bedSetup(t)
	a.Checks = checks.MeshOptions{AllowLoopbackServers: true}
	var phases []Phase
	a.OnPhase = func(p Phase, _ string) { phases = append(phases, p) }
	asked := false
	a.Confirm = func(sum steps.Summary, preview []steps.Step) bool {
		asked = true
		clusters := map[string]int{}
		for _, s := range preview {
			clusters[s.Cluster]++
		}
		if sum.Failed() || len(sum.Steps) == 0 || clusters["east"] == 0 || clusters["west"] == 0 {
			t.Errorf("Confirm got checks failed=%v (%d) and preview per cluster %v", sum.Failed(), len(sum.Steps), clusters)
		}
		return false
	}
	res, err := a.Run(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !asked || res.Outcome != Declined || res.CAMessage != "" {
		t.Fatalf("asked %v, outcome %s, CA message %q; want declined before the certificates", asked, res.Outcome, res.CAMessage)
	}
	if !slices.Equal(phases, []Phase{PhaseChecks}) {
		t.Errorf("phases %v, want only the checks", phases)
	}
	wantNothingWritten(t, a)
}

// TestSetupInterruptedBeforeApplyAppliesNothing: an interrupt while the
// certificates are prepared ends the flow as interrupted, with no step run
// in any cluster.
func TestSetupInterruptedBeforeApplyAppliesNothing(t *testing.T) {
	a := bedSetup(t)
	a.SkipChecks = true
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	a.OnPhase = func(p Phase, _ string) {
		if p == PhaseCerts {
			cancel()
		}
	}
	res, err := a.Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Interrupted || len(res.Install.Steps) != 0 || res.CAMessage == "" {
		t.Fatalf("outcome %s, %d install steps, CA message %q; want interrupted after the certificates, nothing run", res.Outcome, len(res.Install.Steps), res.CAMessage)
	}
	for ctx, c := range a.Clients {
		if _, err := c.Kube.CoreV1().Namespaces().Get(t.Context(), install.Namespace, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("%s: namespace %s exists or was not read (%v)", ctx, install.Namespace, err)
		}
	}
}
