package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestMeshLifecycle is the one test of the package that installs meshes on
// the shared bed, in an order each step's claim depends on:
//
//  1. refusals and a dry run on clean clusters (nothing applied),
//  2. setup of mesh1 (one network, generated CA), a second setup that finds
//     it up to date, and every command's output free of secrets,
//  3. teardown of mesh1 (CRDs kept), and teardowns that find nothing left,
//  4. setup of mesh byo over the kept CRDs (two networks, the user's CA),
//     read-only status and dry-run subtests sharing it, then one that
//     breaks it,
//  5. teardown --purge-crds of what is left: clean clusters again.
//
// Two full setups, one CRD purge. A step that changes the clusters stops the
// test when it fails, since what follows would prove nothing.
func TestMeshLifecycle(t *testing.T) {
	b := sharedBed(t)
	cfg, caDir := writeMesh(t, false, "")
	t.Cleanup(func() {
		if t.Failed() {
			// Leave clean clusters for the tests that run after this one
			// (t.Context is done by now).
			args := []string{"teardown", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west", "--purge-crds", "--yes"}
			if code := run(context.Background(), args, streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}); code != exitOK {
				t.Errorf("the clean-up teardown --purge-crds exited %d", code)
			}
		}
	})
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("setup refused on clean clusters", func(t *testing.T) { setupRefused(t, b, cfg, caDir) })
	step("setup", func(t *testing.T) { setupInstalls(t, b, cfg, caDir) })
	t.Run("setup again is up to date", func(t *testing.T) { setupAgainIsUpToDate(t, b, cfg) })
	t.Run("no secret in any output", func(t *testing.T) { noSecretsInOutputs(t, b, cfg, caDir) })
	step("teardown", func(t *testing.T) { teardownRemovesTheMesh(t, b, cfg) })
	t.Run("mesh with an existing CA", func(t *testing.T) { meshWithExistingCA(t, bedWithLone(t)) })
	step("teardown --purge-crds", func(t *testing.T) { teardownPurgesCRDs(t, b) })
}
