package action

import (
	"context"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Setup installs a mesh: the prerequisite checks (nothing is applied when
// one fails), the confirmation, the certificates, then the install plan in
// every cluster. `meshwiz setup` and the wizard's install screen run it.
type Setup struct {
	// Config is the defaulted, valid mesh config to install.
	Config *mesh.Config
	// Clients holds one bundle per context of Config.
	Clients map[string]*kube.Client
	// KeyBits is the RSA key size of generated CA keys
	// (certs.DefaultKeyBits is Istio's convention).
	KeyBits int
	// Checks are the options of the prerequisite checks.
	Checks checks.MeshOptions
	// SkipChecks does not run the checks: the caller ran them (the wizard's
	// checks screen) and the result has no Checks summary.
	SkipChecks bool
	// ObserveChecks hears the checks' events (Run's observer hears the
	// install's).
	ObserveChecks steps.Observer
	// Confirm, if set, is asked once the checks passed, with their summary
	// and the plan's preview; false stops the flow (Declined) before any
	// certificate is written.
	Confirm func(checks steps.Summary, preview []steps.Step) bool
	// OnPhase, if set, hears each phase before it starts.
	OnPhase func(p Phase, detail string)
}

// SetupResult is what Setup.Run did.
type SetupResult struct {
	Outcome Outcome
	// Checks is the prerequisite checks' run (zero with SkipChecks).
	Checks steps.Summary
	// Install is the install plan's run (zero unless it ran).
	Install steps.Summary
	// CAMessage says what was done about the CA, with the root's
	// fingerprint ("" unless the certificates were prepared).
	CAMessage string
}

// Validate checks, before anything is contacted, that the certificates can
// be prepared and the charts load (install.Preflight).
func (s *Setup) Validate() error { return install.Preflight(s.Config, s.KeyBits) }

// CheckPlan is the prerequisite plan Run starts with (checks.ForMesh).
func (s *Setup) CheckPlan() ([]steps.Step, error) {
	return checks.ForMesh(s.Config, s.Clients, s.Checks)
}

// Preview lays out the install plan without contacting a cluster: the
// steps Run applies, per cluster and in order.
func (s *Setup) Preview() ([]steps.Step, error) {
	return install.Plan(s.Config, install.Env{})
}

// OptionsError is Run's error when the check options are refused (an
// unknown check ID, a fatal check skipped without SkipFatal): the caller's
// input is wrong, not a cluster.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// Run checks, asks Confirm, prepares the certificates and runs the install
// plan, reporting its events to observe. An error means the flow could not
// run (*OptionsError; a CA error, errors.As *install.CAError; a plan that
// cannot be built); failed steps and interruptions are outcomes.
func (s *Setup) Run(ctx context.Context, observe steps.Observer) (*SetupResult, error) {
	res := &SetupResult{}
	if !s.SkipChecks {
		plan, err := s.CheckPlan()
		if err != nil {
			return nil, &OptionsError{err}
		}
		phase(s.OnPhase, PhaseChecks, "")
		if res.Checks, err = steps.Run(ctx, plan, s.ObserveChecks); err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			res.Outcome = Interrupted
			return res, nil
		}
		if res.Checks.Failed() {
			res.Outcome = ChecksFailed
			return res, nil
		}
	}
	if s.Confirm != nil {
		preview, err := s.Preview()
		if err != nil {
			return nil, err
		}
		if !s.Confirm(res.Checks, preview) {
			res.Outcome = Declined
			return res, nil
		}
	}
	phase(s.OnPhase, PhaseCerts, "")
	certs, msg, err := s.PrepareCerts()
	if err != nil {
		return nil, err
	}
	res.CAMessage = msg
	if ctx.Err() != nil { // nothing is applied after an interrupt
		res.Outcome = Interrupted
		return res, nil
	}
	plan, err := s.Plan(certs)
	if err != nil {
		return nil, err
	}
	phase(s.OnPhase, PhaseApply, msg)
	if res.Install, err = steps.Run(ctx, plan, observe); err != nil {
		return nil, err
	}
	res.Outcome = outcomeOf(ctx.Err(), res.Install)
	return res, nil
}

// PrepareCerts generates or loads the certificates (it writes the CA
// directory; generating 4096-bit keys takes seconds) and says what it did.
func (s *Setup) PrepareCerts() (map[string]*certs.Intermediate, string, error) {
	return install.PrepareCerts(s.Config, s.KeyBits)
}

// Plan is the install plan Run runs once the certificates are prepared
// (the wizard runs it on its own channel).
func (s *Setup) Plan(certs map[string]*certs.Intermediate) ([]steps.Step, error) {
	return install.Plan(s.Config, install.Env{Clients: s.Clients, Certs: certs})
}
