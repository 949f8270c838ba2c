package action

import (
	"context"
	"time"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/teardown"
)

// DefaultInventoryTimeout bounds Teardown's look at the clusters once the
// plan ran.
const DefaultInventoryTimeout = time.Minute

// Teardown removes what the mesh left: Discover finds it (the caller
// previews and confirms), Run plans the removal in a safe order, runs it and
// looks at the clusters again. `meshwiz teardown` and the wizard's teardown
// screen run it.
type Teardown struct {
	// Clients are the selected clusters.
	Clients []*kube.Client
	// PurgeCRDs also deletes Istio's CRDs.
	PurgeCRDs bool
	// Include names objects meshwiz did not create that go as well.
	Include []teardown.Include
	// InventoryTimeout bounds the look afterwards
	// (DefaultInventoryTimeout when 0).
	InventoryTimeout time.Duration
	// OnPhase, if set, hears PhaseApply and PhaseInventory before they
	// start.
	OnPhase func(p Phase, detail string)
}

// TeardownResult is what Teardown.Run did.
type TeardownResult struct {
	Outcome Outcome
	// Summary is the plan's run.
	Summary steps.Summary
	// After is what the clusters hold afterwards (nil when interrupted).
	After *teardown.Inventory
	// Unfinished says what is left, when something is (Outcome StepsFailed).
	Unfinished error
}

// Document is the JSON result word of the run (teardown.Result*).
func (r *TeardownResult) Document() string {
	switch r.Outcome {
	case Interrupted:
		return teardown.ResultAborted
	case StepsFailed:
		return teardown.ResultFailed
	}
	return teardown.ResultDone
}

// options are the discovery options of t.
func (t *Teardown) options() teardown.Options {
	return teardown.Options{Clients: t.Clients, PurgeCRDs: t.PurgeCRDs, Include: t.Include}
}

// Discover reads every selected cluster: what will be removed, kept and
// broken.
func (t *Teardown) Discover(ctx context.Context) (*teardown.Inventory, error) {
	return teardown.Discover(ctx, t.options())
}

// Run removes what inv lists, reporting the plan's events to observe, then
// discovers again (unless interrupted) to say what is left.
func (t *Teardown) Run(ctx context.Context, inv *teardown.Inventory, observe steps.Observer) (*TeardownResult, error) {
	plan, err := t.Plan(inv)
	if err != nil {
		return nil, err
	}
	phase(t.OnPhase, PhaseApply, "")
	res := &TeardownResult{}
	if res.Summary, err = steps.Run(ctx, plan, observe); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		res.Outcome = Interrupted
		return res, nil
	}
	phase(t.OnPhase, PhaseInventory, "")
	timeout := t.InventoryTimeout
	if timeout <= 0 {
		timeout = DefaultInventoryTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if res.After, err = t.Discover(actx); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		res.Outcome = Interrupted
		return res, nil
	}
	res.Unfinished = res.After.Unfinished(res.Summary)
	res.Outcome = Applied
	if res.Unfinished != nil {
		res.Outcome = StepsFailed
	}
	return res, nil
}

// Plan is the removal of what inv lists, in a safe order: what Run runs
// (the wizard runs it on its own channel).
func (t *Teardown) Plan(inv *teardown.Inventory) ([]steps.Step, error) {
	return teardown.Plan(inv)
}
