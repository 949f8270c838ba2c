// Package installtest installs a mesh on the test bed for the integration
// tests of the packages that need one installed (teardown, status,
// verify), the way setup does: install's plan on the steps engine.
package installtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// Env is what an install of cfg on bed b needs: client bundles from the
// bed's kubeconfig, each cluster's intermediate (made in cfg's CA
// directory), Helm releases bounded by 2 minutes and gateway addresses by
// one. Callers may change any field.
func Env(t testing.TB, b *testbed.Bed, cfg *mesh.Config) install.Env {
	t.Helper()
	return install.Env{Clients: bedtest.ClientsOf(t, b, cfg), Certs: bedtest.Intermediates(t, cfg),
		HelmTimeout: 2 * time.Minute, AddressTimeout: time.Minute}
}

// Run runs install's plan for cfg with env (observe may be nil); the error
// is the plan's or the engine's, not a failed step's (see Failure).
func Run(ctx context.Context, cfg *mesh.Config, env install.Env, observe steps.Observer) (steps.Summary, error) {
	plan, err := install.Plan(cfg, env)
	if err != nil {
		return steps.Summary{}, err
	}
	return steps.Run(ctx, plan, observe)
}

// Failure describes every step of an install run, or is nil when none
// failed.
func Failure(sum steps.Summary) error {
	if !sum.Failed() {
		return nil
	}
	return errors.New("setup failed:\n" + bedtest.DescribeRun(sum))
}

// Setup installs cfg with env within 10 minutes and fails t unless every
// step passed or was skipped (mesh mTLS left PERMISSIVE, no namespace to
// inject).
func Setup(t testing.TB, cfg *mesh.Config, env install.Env) steps.Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	sum, err := Run(ctx, cfg, env, nil)
	if err == nil {
		err = Failure(sum)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
