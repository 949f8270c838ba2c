// Package steps is meshwiz's engine. Checks and install/teardown steps are
// declared as data (a stable ID, a present-tense title, a hint, a severity,
// the cluster they are about and a Run function); Run executes a plan of them
// — concurrently across clusters, in order within a cluster — and reports
// every state change to an Observer. The TUI, the text report and the JSON
// report are all observers of the same run.
//
// The package imports no UI package.
package steps

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Severity says how much a failing step matters.
type Severity int

// Severities, from least to most serious. A failing Info step is reported but
// never fails the run; Warning fails as a warning; Error fails the run; Fatal
// fails the run and stops the rest of its cluster's lane and every step that
// depends on it.
const (
	Info Severity = iota
	Warning
	Error
	Fatal
)

var severityNames = [...]string{"info", "warning", "error", "fatal"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText encodes the severity by name, for JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Status is the state of a step in a run.
type Status string

// Statuses a step goes through. Running is reported when the step starts (and
// again with a new Detail while it progresses); the other five are final.
const (
	Running Status = "running"
	Passed  Status = "passed"
	Warned  Status = "warned"
	Failed  Status = "failed"
	Skipped Status = "skipped"
	// Noted is the final status of an Info step that found something worth
	// saying: it never fails the run.
	Noted Status = "info"
)

// Final reports whether the status ends a step.
func (s Status) Final() bool { return s != Running && s != "" }

// Glyph is the one-character mark of a status, shared by every renderer.
func (s Status) Glyph() string {
	switch s {
	case Passed:
		return "✓"
	case Warned:
		return "!"
	case Failed:
		return "✗"
	case Skipped:
		return "-"
	case Noted:
		return "i"
	case Running:
		return "↻"
	}
	return " "
}

// Step is the smallest unit of work meshwiz performs or verifies.
type Step struct {
	// ID is stable ("cluster/api-reachable"); used in JSON, --skip and tests.
	ID string
	// Title is a present-tense claim: "API server is reachable".
	Title string
	// Label is a short name for narrow columns and lists ("istiod",
	// "secret west"); "" means Title.
	Label string
	// Hint says what to do when the step fails (with a doc link where one exists).
	Hint string
	// Severity decides what a failure means (default Info: set it).
	Severity Severity
	// Cluster is the kube context the step is about; "" for cross-cluster steps.
	Cluster string
	// After lists steps that must finish first, beyond the implicit order of a
	// cluster's lane; a Fatal failure of one of them skips this step. A
	// cross-cluster step with no After waits for every step declared before
	// it in the plan, without being blocked by their failures.
	After []Ref
	// Beside lets the step run at the same time as the previous step of its
	// cluster's lane: it waits for what that step waits for, and the lane's
	// next step waits for both (e.g. deleting CRDs while a namespace
	// terminates). A Fatal failure of either still blocks what follows.
	Beside bool
	// Timeout bounds one run of the step (default DefaultTimeout).
	Timeout time.Duration
	// Run does the work. It returns what it found (shown on success as well
	// as failure) and an error when the claim does not hold. Returning a
	// SkipError marks the step not applicable.
	Run func(ctx context.Context, progress func(detail string)) (Result, error)
}

// Ref names one step of a plan: its ID and cluster.
type Ref struct {
	ID      string
	Cluster string
}

// Name is the step's Label, or its Title when it has none.
func (s Step) Name() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Title
}

// Ref returns the step's reference.
func (s Step) Ref() Ref { return Ref{ID: s.ID, Cluster: s.Cluster} }

func (r Ref) String() string {
	if r.Cluster == "" {
		return r.ID
	}
	return r.ID + "@" + r.Cluster
}

// Result is what a step found: a one-line message and optional structured
// details for the JSON report (and for richer renderers, e.g. a matrix).
type Result struct {
	Message string
	Details any
}

// DefaultTimeout bounds a step that declares no Timeout.
const DefaultTimeout = 30 * time.Second

// SkipError marks a step as not applicable; it is not a failure.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skip returns a SkipError with a formatted reason.
func Skip(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// Hinter is implemented by errors that know better than the step's static
// hint what to do (e.g. a classified connection failure); the runner then
// reports the error's hint.
type Hinter interface {
	Hint() string
}

// hinted attaches a specific hint to an error.
type hinted struct {
	error
	hint string
}

func (h hinted) Unwrap() error { return h.error }
func (h hinted) Hint() string  { return h.hint }

// WithHint returns err with a specific hint that replaces the step's own.
func WithHint(err error, hint string) error { return hinted{err, hint} }

// hintFor returns the most specific hint for a step's error.
func hintFor(s Step, err error) string {
	var h Hinter
	if errors.As(err, &h) && h.Hint() != "" {
		return h.Hint()
	}
	return s.Hint
}

// WarnError reports a finding as a warning whatever the step's severity (for
// a check that passes with a caveat).
type WarnError struct{ Err error }

func (e *WarnError) Error() string { return e.Err.Error() }
func (e *WarnError) Unwrap() error { return e.Err }

// Warnf returns a WarnError.
func Warnf(format string, args ...any) error { return &WarnError{Err: fmt.Errorf(format, args...)} }

// statusOf maps a step's outcome to its final status.
func statusOf(sev Severity, err error) Status {
	var skip *SkipError
	var warn *WarnError
	switch {
	case err == nil:
		return Passed
	case errors.As(err, &skip):
		return Skipped
	case errors.As(err, &warn):
		return Warned
	}
	switch sev {
	case Info:
		return Noted
	case Warning:
		return Warned
	}
	return Failed
}
