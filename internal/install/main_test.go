package install

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// The package's bed: east and west for multi-primary on two networks, hub
// (primary) and spoke (remote) for primary-remote on two networks. Every
// test installs into its own clusters.
func TestMain(m *testing.M) {
	testbed.Main(m, bedtest.TwoMeshes())
}

// envFor builds the clients (from the shared bed's kubeconfig) and the certificates.
func envFor(t *testing.T, cfg *mesh.Config) Env {
	t.Helper()
	return envOnBed(t, testbed.Shared(), cfg, 2*time.Minute, time.Minute)
}

// runPlan runs the plan and returns what happened.
func runPlan(t *testing.T, ctx context.Context, cfg *mesh.Config, env Env) steps.Summary {
	t.Helper()
	plan, err := Plan(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := steps.Run(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// install runs the plan and fails the test on any failed step.
func install(t *testing.T, ctx context.Context, cfg *mesh.Config, env Env) steps.Summary {
	t.Helper()
	sum := runPlan(t, ctx, cfg, env)
	for _, e := range sum.Steps {
		if e.Status == steps.Failed {
			t.Errorf("%s: %s (hint: %s)", e.Step, e.Message, e.Hint)
		}
	}
	return sum
}

func contains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s: %q lacks %q", what, s, sub)
		}
	}
}

var getOpts = metav1.GetOptions{}
