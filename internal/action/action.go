// Package action holds one action per flow — Setup, Teardown, Status and
// Verify — in the shape of Helm's pkg/action: a struct whose exported
// fields are the options, and Run(ctx, observe). The command line
// (cmd/meshwiz) and the wizard (internal/tui) both call them, so the order
// of a flow (checks, certificates, plan, run, the look afterwards) and what
// its outcome means are written once. An action prints nothing and never
// exits: it reports step events to its observer, phase changes to OnPhase,
// and returns a result whose Outcome the caller maps to an exit code or a
// screen.
package action

import "github.com/meshwiz/meshwiz/internal/steps"

// Phase is a stage of a flow, reported to an action's OnPhase before it
// starts.
type Phase int

const (
	// PhaseChecks: Setup runs the prerequisite checks.
	PhaseChecks Phase = iota + 1
	// PhaseCerts: Setup generates or loads the certificates.
	PhaseCerts
	// PhaseApply: Setup or Teardown runs its plan; the detail says what
	// was done about the CA (Setup).
	PhaseApply
	// PhaseInventory: Teardown looks at the clusters again.
	PhaseInventory
)

// Outcome is how a flow ended.
type Outcome int

const (
	// ChecksFailed: a prerequisite check failed; nothing was applied.
	ChecksFailed Outcome = iota + 1
	// Declined: Confirm said no (or a dry run stopped); nothing was applied.
	Declined
	// Applied: every step of the plan ran without failing.
	Applied
	// StepsFailed: steps failed (or, for Teardown, something is left).
	StepsFailed
	// Interrupted: the context was cancelled.
	Interrupted
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case ChecksFailed:
		return "checks failed"
	case Declined:
		return "declined"
	case Applied:
		return "applied"
	case StepsFailed:
		return "steps failed"
	case Interrupted:
		return "interrupted"
	}
	return "unknown"
}

// phase reports p to f, if set.
func phase(f func(Phase, string), p Phase, detail string) {
	if f != nil {
		f(p, detail)
	}
}

// outcomeOf is the outcome of a plan run under a context whose error is
// ctxErr.
func outcomeOf(ctxErr error, sum steps.Summary) Outcome {
	switch {
	case ctxErr != nil:
		return Interrupted
	case sum.Failed():
		return StepsFailed
	}
	return Applied
}
