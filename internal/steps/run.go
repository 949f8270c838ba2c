package steps

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Event is one state change of one step, reported to the Observer.
type Event struct {
	Time     time.Time
	Step     Ref
	Title    string
	Label    string // the step's short name (Step.Name)
	Severity Severity
	Status   Status
	// Message is the progress detail (Running), what the step found, or why
	// it failed or was skipped.
	Message string
	// Hint says what to do; set on Failed and Warned.
	Hint    string
	Details any
	Err     error
	// BlockedBy is set on a step Skipped because blocking dependencies did
	// not succeed: those steps, in plan order (Message names the first).
	BlockedBy []Ref
	// Reason says why a final event is not the step's own verdict: the
	// step was blocked, the run was cancelled, or the step ran out of
	// time. "" for a step that ran to its end (a Skipped event with no
	// Reason is a step that was not applicable).
	Reason Reason
	// Took is the step's duration; set on final events.
	Took time.Duration
}

// Observer receives every event of a run. Run serializes the calls, so an
// observer needs no locking of its own.
type Observer func(Event)

// Summary is the outcome of a run: the final event of every step, in plan order.
type Summary struct {
	Steps    []Event
	Duration time.Duration
}

// Count returns how many steps ended with status s.
func (s Summary) Count(st Status) int {
	n := 0
	for _, e := range s.Steps {
		if e.Status == st {
			n++
		}
	}
	return n
}

// Failed reports whether any step failed.
func (s Summary) Failed() bool { return s.Count(Failed) > 0 }

// Validate reports plan errors: empty or duplicate IDs, missing Run,
// references to unknown steps or to later steps.
func Validate(plan []Step) error {
	seen := map[Ref]bool{}
	for i, s := range plan {
		if s.ID == "" || s.Run == nil || s.Title == "" {
			return fmt.Errorf("plan step %d (%q): ID, Title and Run are required", i, s.ID)
		}
		if seen[s.Ref()] {
			return fmt.Errorf("plan step %s appears twice", s.Ref())
		}
		for _, d := range s.After {
			if !seen[d] {
				return fmt.Errorf("plan step %s runs after %s, which is not declared before it", s.Ref(), d)
			}
		}
		seen[s.Ref()] = true
	}
	return nil
}

// node is the runner's state for one step.
type node struct {
	step     Step
	blocking []*node // a Fatal failure (or block) of these skips this step
	waiting  []*node // these only have to finish first
	done     chan struct{}
	final    Event
	blocked  bool // failed fatally, or skipped because a blocking dependency did
}

// Run executes plan and reports to observe (which may be nil). Steps of one
// cluster run one after another in plan order (a Beside step together with
// the one before it); different clusters run
// concurrently; a cross-cluster step runs once the steps it depends on have
// finished. Cancelling ctx stops waiting steps at once (they are reported
// Skipped) and cancels the running ones.
func Run(ctx context.Context, plan []Step, observe Observer) (Summary, error) {
	if err := Validate(plan); err != nil {
		return Summary{}, err
	}
	start := time.Now()
	var mu sync.Mutex
	emit := func(e Event) {
		if observe == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		observe(e)
	}
	nodes := link(plan)
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() { runNode(ctx, n, emit) })
	}
	wg.Wait()
	sum := Summary{Steps: make([]Event, len(nodes)), Duration: time.Since(start)}
	for i, n := range nodes {
		sum.Steps[i] = n.final
	}
	return sum, nil
}

// link builds the dependency graph: the previous step of the same cluster's
// lane (or, for a Beside step, what that step follows) and the declared After
// steps block; a cross-cluster step without After
// waits for every earlier step but is blocked by none (cross-cluster steps
// that depend on each other say so with After).
func link(plan []Step) []*node {
	nodes := make([]*node, len(plan))
	byRef := map[Ref]*node{}
	// tail holds the steps a lane's next step follows (more than one after
	// Beside steps); base what the first of them follows.
	tail, base := map[string][]*node{}, map[string][]*node{}
	for i, s := range plan {
		n := &node{step: s, done: make(chan struct{})}
		beside := s.Cluster != "" && s.Beside && len(tail[s.Cluster]) > 0
		switch {
		case beside:
			n.blocking = append(n.blocking, base[s.Cluster]...)
		case s.Cluster != "":
			n.blocking = append(n.blocking, tail[s.Cluster]...)
		}
		for _, d := range s.After {
			n.blocking = append(n.blocking, byRef[d])
		}
		switch {
		case beside:
			tail[s.Cluster] = append(tail[s.Cluster], n)
		case s.Cluster != "":
			base[s.Cluster], tail[s.Cluster] = n.blocking, []*node{n}
		}
		if s.Cluster == "" && len(s.After) == 0 {
			n.waiting = append(n.waiting, nodes[:i]...)
		}
		nodes[i], byRef[s.Ref()] = n, n
	}
	return nodes
}

func runNode(ctx context.Context, n *node, emit func(Event)) {
	defer close(n.done)
	s := n.step
	base := Event{Step: s.Ref(), Title: s.Title, Label: s.Name(), Severity: s.Severity}
	finish := func(e Event) {
		e.Time = time.Now()
		n.final = e
		emit(e)
	}
	for _, d := range append(n.blocking, n.waiting...) {
		select {
		case <-d.done:
		case <-ctx.Done():
			e := base
			e.Status, e.Message, e.Err, e.Reason = Skipped, "canceled before it started", ctx.Err(), Canceled
			finish(e)
			return
		}
	}
	var by []Ref
	for _, d := range n.blocking {
		if d.blocked {
			by = append(by, d.step.Ref())
		}
	}
	if len(by) > 0 {
		n.blocked = true
		e := base
		e.Status, e.Message, e.BlockedBy, e.Reason = Skipped, fmt.Sprintf("not run: %s did not succeed", by[0]), by, Blocked
		finish(e)
		return
	}
	if err := ctx.Err(); err != nil {
		e := base
		e.Status, e.Message, e.Err, e.Reason = Skipped, "canceled before it started", err, Canceled
		finish(e)
		return
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	started := time.Now()
	running := base
	running.Status, running.Time = Running, started
	emit(running)
	progress := func(detail string) {
		e := base
		e.Status, e.Message, e.Time = Running, detail, time.Now()
		emit(e)
	}
	res, err := safeRun(sctx, s, progress)
	timedOut := err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
	if timedOut {
		err = fmt.Errorf("%w (the step's limit is %s)", err, timeout)
	}
	e := base
	e.Took = time.Since(started)
	e.Status, e.Details, e.Err = statusOf(s.Severity, err), res.Details, err
	switch e.Status {
	case Passed:
		e.Message = res.Message
	case Skipped:
		var skip *SkipError
		errors.As(err, &skip)
		e.Message = skip.Reason
	default:
		e.Message = err.Error()
		e.Hint = hintFor(s, err)
	}
	if timedOut && e.Status != Passed && e.Status != Skipped {
		e.Reason = TimedOut
	}
	if ctx.Err() != nil && e.Status != Passed {
		e.Status, e.Message, e.Reason = Skipped, "canceled: "+e.Message, Canceled
	}
	n.blocked = (e.Status == Failed && s.Severity == Fatal) || (e.Status == Skipped && ctx.Err() != nil)
	finish(e)
}

// safeRun runs the step and turns a panic into an error, so a bug in one
// check is a failed step, not a crash with a stack trace.
func safeRun(ctx context.Context, s Step, progress func(string)) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in %s: %v (please report this bug)", s.ID, r)
		}
	}()
	return s.Run(ctx, progress)
}
