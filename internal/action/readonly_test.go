package action

import (
	"context"
	"slices"
	"testing"

	"github.com/meshwiz/meshwiz/internal/teardown"
)

// TestStatusNamesClustersOutsideTheMesh: clusters without a meshwiz record
// are listed, whatever the steps' marks.
func TestStatusNamesClustersOutsideTheMesh(t *testing.T) {
	res, err := (&Status{Clients: bedClients(t)}).Run(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.NotInMesh, []string{"east", "west"}) {
		t.Errorf("not in the mesh: %v, want east and west (nothing is installed)", res.NotInMesh)
	}
}

// TestTeardownLooksAgainUnlessInterrupted: a run looks at the clusters
// again and says done when nothing is left; an interrupted run does not look
// and says aborted.
func TestTeardownLooksAgainUnlessInterrupted(t *testing.T) {
	a := &Teardown{Clients: bedClients(t)}
	inv, err := a.Discover(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var phases []Phase
	a.OnPhase = func(p Phase, _ string) { phases = append(phases, p) }
	res, err := a.Run(t.Context(), inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Applied || res.After == nil || res.Unfinished != nil || res.Document() != teardown.ResultDone {
		t.Errorf("outcome %s, after %v, unfinished %v, document %q; want applied and looked at again", res.Outcome, res.After != nil, res.Unfinished, res.Document())
	}
	if !slices.Equal(phases, []Phase{PhaseApply, PhaseInventory}) {
		t.Errorf("phases %v, want apply then inventory", phases)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err = a.Run(ctx, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Interrupted || res.After != nil || res.Document() != teardown.ResultAborted {
		t.Errorf("interrupted: outcome %s, after %v, document %q; want interrupted without a look", res.Outcome, res.After != nil, res.Document())
	}
}
