package tui

import (
	"testing"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// A step counts as "not run" because of the engine's Reason, whatever its
// message says: a step skipped as not applicable whose message happens to
// start "not run" is not cut, and a blocked or cancelled one is.
func TestCutStepsComeFromTheReasonNotTheMessage(t *testing.T) {
	sum := steps.Summary{Steps: []steps.Event{
		{Status: steps.Skipped, Message: "not run here: no namespaces to label"},
		{Status: steps.Skipped, Message: "canceled the label: none was asked for"},
		{Status: steps.Skipped, Reason: steps.Blocked, Message: "istiod did not come up"},
		{Status: steps.Skipped, Reason: steps.Canceled, Message: "canceled: context canceled"},
		{Status: steps.Failed, Reason: steps.TimedOut, Message: "took too long"},
	}}
	failed, cut := summaryNotDone(sum)
	if failed != 1 || cut != 2 {
		t.Errorf("summaryNotDone = %d failed, %d cut; want 1 and 2 (the blocked and the cancelled step)", failed, cut)
	}
	for i, e := range sum.Steps {
		s := installStep{status: e.Status, message: e.Message, reason: e.Reason}
		if want := i == 2 || i == 3; s.cut() != want {
			t.Errorf("step %d (%q, reason %q): cut %v, want %v", i, e.Message, e.Reason, s.cut(), want)
		}
	}
}
