package steps

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestBesideStepsOverlapInALane proves (without timing) that a Beside step
// runs at the same time as the lane's previous step, after what that step
// follows, and that the lane's next step waits for both.
func TestBesideStepsOverlapInALane(t *testing.T) {
	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, s)
	}
	a, b := make(chan struct{}), make(chan struct{})
	rec := func(name string) func(context.Context, func(string)) (Result, error) {
		return func(context.Context, func(string)) (Result, error) { note(name); return Result{}, nil }
	}
	plan := []Step{
		{ID: "first", Title: "first", Cluster: "c", Severity: Fatal, Run: rec("first")},
		{ID: "ns", Title: "ns", Cluster: "c", Severity: Fatal, Timeout: 10 * time.Second, Run: meet(a, b, func() { note("ns") })},
		{ID: "crds", Title: "crds", Cluster: "c", Severity: Fatal, Beside: true, Timeout: 10 * time.Second, Run: meet(b, a, func() { note("crds") })},
		{ID: "record", Title: "record", Cluster: "c", Severity: Fatal, Run: rec("record")},
	}
	sum, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed() {
		t.Fatalf("the Beside step did not run beside its neighbour: %+v", sum.Steps)
	}
	if len(order) != 4 || order[0] != "first" || order[3] != "record" {
		t.Fatalf("order %v: want first, then ns and crds together, then record", order)
	}
}

// TestBesideFailureBlocksTheNextStep: a Fatal failure of either overlapping
// step keeps the lane's next step from running; the other one still runs.
func TestBesideFailureBlocksTheNextStep(t *testing.T) {
	for _, failing := range []string{"ns", "crds"} {
		t.Run(failing, func(t *testing.T) {
			run := func(name string) func(context.Context, func(string)) (Result, error) {
				if name == failing {
					return fail(name + " broke")
				}
				return ok(name)
			}
			plan := []Step{
				{ID: "ns", Title: "ns", Cluster: "c", Severity: Fatal, Run: run("ns")},
				{ID: "crds", Title: "crds", Cluster: "c", Severity: Fatal, Beside: true, Run: run("crds")},
				{ID: "record", Title: "record", Cluster: "c", Severity: Fatal, Run: run("record")},
			}
			sum, err := Run(context.Background(), plan, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := statuses(sum)
			other := map[string]string{"ns": "crds@c", "crds": "ns@c"}[failing]
			if got[failing+"@c"] != Failed || got[other] != Passed || got["record@c"] != Skipped {
				t.Fatalf("statuses %v: want %s failed, %s passed, record skipped", got, failing, other)
			}
		})
	}
}

// TestBesideAsALanesFirstStepIsAnOrdinaryStep: with nothing before it in
// its lane, a Beside step simply starts the lane.
func TestBesideAsALanesFirstStepIsAnOrdinaryStep(t *testing.T) {
	plan := []Step{
		{ID: "a", Title: "a", Cluster: "c", Severity: Fatal, Beside: true, Run: fail("a broke")},
		{ID: "b", Title: "b", Cluster: "c", Severity: Fatal, Run: ok("b")},
	}
	sum, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(sum); got["b@c"] != Skipped {
		t.Fatalf("statuses %v: b must follow a", got)
	}
}

// TestBesideWaitsForItsNeighboursAfter: a Beside step also waits for the
// other-cluster steps its neighbour declared in After.
func TestBesideWaitsForItsNeighboursAfter(t *testing.T) {
	plan := []Step{
		{ID: "secret", Title: "secret", Cluster: "west", Severity: Fatal, Run: fail("secret broke")},
		{ID: "ns", Title: "ns", Cluster: "east", Severity: Fatal, After: []Ref{{ID: "secret", Cluster: "west"}}, Run: ok("ns")},
		{ID: "crds", Title: "crds", Cluster: "east", Severity: Fatal, Beside: true, Run: ok("crds")},
	}
	sum, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(sum); got["ns@east"] != Skipped || got["crds@east"] != Skipped {
		t.Fatalf("statuses %v: both east steps wait for west's secret and are blocked by its failure", got)
	}
}
