package steps

// Reason says why a step's final event is not its own verdict, so that a
// renderer tells "blocked by a failure" from "cancelled" from "not
// applicable" without reading Message.
type Reason string

// Reasons the runner sets on final events.
const (
	// Blocked: the step was Skipped because a blocking dependency failed
	// fatally or was itself blocked or cancelled (BlockedBy names them).
	Blocked Reason = "blocked"
	// Canceled: the run's context ended before or while the step ran; the
	// step is Skipped.
	Canceled Reason = "canceled"
	// TimedOut: the step ran past its own Timeout; it keeps the status its
	// severity gives a failure (Failed, Warned or Noted).
	TimedOut Reason = "timed-out"
)

// Cut reports whether e is a step that did not get to do its work because
// of something outside it: blocked by a failure or cancelled (a step that
// was not applicable is not cut).
func (e Event) Cut() bool {
	return e.Status == Skipped && (e.Reason == Blocked || e.Reason == Canceled)
}
