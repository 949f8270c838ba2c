package steps

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func ok(msg string) func(context.Context, func(string)) (Result, error) {
	return func(context.Context, func(string)) (Result, error) { return Result{Message: msg}, nil }
}

func fail(msg string) func(context.Context, func(string)) (Result, error) {
	return func(context.Context, func(string)) (Result, error) { return Result{}, errors.New(msg) }
}

func statuses(sum Summary) map[string]Status {
	m := map[string]Status{}
	for _, e := range sum.Steps {
		m[e.Step.String()] = e.Status
	}
	return m
}

// meet is a step that closes mine once it runs (after started, if not
// nil) and then waits for other to be closed: two meeting steps pass only
// when they run at the same time.
func meet(mine, other chan struct{}, started func()) func(context.Context, func(string)) (Result, error) {
	return func(ctx context.Context, _ func(string)) (Result, error) {
		if started != nil {
			started()
		}
		close(mine)
		select {
		case <-other:
			return Result{}, nil
		case <-ctx.Done():
			return Result{}, errors.New("the other step never started")
		}
	}
}

// TestLanesRunConcurrently proves (without timing) that two clusters' steps
// run at the same time: each waits until the other has started.
func TestLanesRunConcurrently(t *testing.T) {
	a, b := make(chan struct{}), make(chan struct{})
	plan := []Step{
		{ID: "x/meet", Title: "meets", Cluster: "a", Severity: Error, Timeout: 10 * time.Second, Run: meet(a, b, nil)},
		{ID: "x/meet", Title: "meets", Cluster: "b", Severity: Error, Timeout: 10 * time.Second, Run: meet(b, a, nil)},
	}
	sum, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed() {
		t.Fatalf("lanes did not run concurrently: %+v", sum.Steps)
	}
}

func TestLaneOrderFatalAndCrossCluster(t *testing.T) {
	var mu sync.Mutex
	var order []string
	rec := func(name string, err error) func(context.Context, func(string)) (Result, error) {
		return func(context.Context, func(string)) (Result, error) {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return Result{}, err
		}
	}
	plan := []Step{
		{ID: "s1", Title: "one", Cluster: "a", Severity: Error, Run: rec("a1", nil)},
		{ID: "s2", Title: "two", Cluster: "a", Severity: Error, Run: rec("a2", errors.New("boom"))},
		{ID: "s3", Title: "three", Cluster: "a", Severity: Error, Run: rec("a3", nil)},
		{ID: "s1", Title: "one", Cluster: "b", Severity: Fatal, Run: rec("b1", errors.New("unreachable"))},
		{ID: "s2", Title: "two", Cluster: "b", Severity: Error, Run: rec("b2", nil)},
		{ID: "x", Title: "cross", Severity: Fatal, Run: rec("x", errors.New("overlap"))},
		{ID: "z", Title: "independent cross", Severity: Error, Run: rec("z", nil)},
		{ID: "y", Title: "after b2", Severity: Error, After: []Ref{{"s2", "b"}}, Run: rec("y", nil)},
	}
	sum, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(sum)
	want := map[string]Status{"s1@a": Passed, "s2@a": Failed, "s3@a": Passed, "s1@b": Failed, "s2@b": Skipped, "x": Failed, "z": Passed, "y": Skipped}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: status %q, want %q", k, got[k], v)
		}
	}
	idx := map[string]int{}
	for i, n := range order {
		idx[n] = i
	}
	if idx["a1"] > idx["a2"] || idx["a2"] > idx["a3"] || idx["x"] < idx["a3"] {
		t.Errorf("order %v breaks lane order or the cross-cluster barrier", order)
	}
	if _, ran := idx["b2"]; ran {
		t.Errorf("b2 ran after b's fatal failure: %v", order)
	}
	if !sum.Failed() || sum.Count(Skipped) != 2 {
		t.Errorf("summary: %s", SummaryLine(sum))
	}
}

func TestSeverityMapping(t *testing.T) {
	plan := []Step{
		{ID: "warn", Title: "w", Severity: Warning, Hint: "do w", Run: fail("meh")},
		{ID: "info", Title: "i", Severity: Info, Run: fail("fyi")},
		{ID: "skip", Title: "s", Severity: Fatal, Run: func(context.Context, func(string)) (Result, error) {
			return Result{}, Skip("no cacerts anywhere")
		}},
		{ID: "warnerr", Title: "we", Severity: Fatal, Run: func(context.Context, func(string)) (Result, error) {
			return Result{}, Warnf("caveat")
		}},
		{ID: "panic", Title: "p", Severity: Error, Run: func(context.Context, func(string)) (Result, error) {
			var m map[string]int
			m["x"]++
			return Result{}, nil
		}},
	}
	sum, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(sum)
	want := map[string]Status{"warn": Warned, "info": Noted, "skip": Skipped, "warnerr": Warned, "panic": Failed}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if e := sum.Steps[0]; e.Hint != "do w" || e.Message != "meh" {
		t.Errorf("warning event lacks message/hint: %+v", e)
	}
	if e := sum.Steps[2]; e.Message != "no cacerts anywhere" {
		t.Errorf("skip reason = %q", e.Message)
	}
	if e := sum.Steps[4]; !strings.Contains(e.Message, "internal error in panic") || strings.Contains(e.Message, "goroutine") {
		t.Errorf("panic message = %q", e.Message)
	}
}

func TestCancelIsPromptAndTimeoutNamed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	plan := []Step{
		{ID: "slow", Title: "slow", Cluster: "a", Severity: Error, Timeout: time.Hour,
			Run: func(ctx context.Context, _ func(string)) (Result, error) {
				close(started)
				<-ctx.Done()
				return Result{}, ctx.Err()
			}},
		{ID: "next", Title: "next", Cluster: "a", Severity: Error, Run: ok("")},
		{ID: "short", Title: "short", Cluster: "b", Severity: Error, Timeout: 50 * time.Millisecond,
			Run: func(ctx context.Context, _ func(string)) (Result, error) {
				<-ctx.Done()
				return Result{}, ctx.Err()
			}},
	}
	go func() { <-started; cancel() }()
	sum, err := Run(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(sum)
	if got["slow@a"] != Skipped || got["next@a"] != Skipped {
		t.Errorf("after cancel: %v", got)
	}
	if e := sum.Steps[2]; e.Status != Failed && e.Status != Skipped || (e.Status == Failed && !strings.Contains(e.Message, "limit is 50ms")) {
		t.Errorf("timeout event: %+v", e)
	}
}

func TestObserverSeesRunningProgressAndFinal(t *testing.T) {
	var events []Event
	plan := []Step{{ID: "p", Title: "progress", Cluster: "a", Severity: Error,
		Run: func(_ context.Context, progress func(string)) (Result, error) {
			progress("1/2 ready")
			return Result{Message: "2/2 ready"}, nil
		}}}
	if _, err := Run(context.Background(), plan, func(e Event) { events = append(events, e) }); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, string(e.Status)+":"+e.Message)
	}
	if strings.Join(got, ",") != "running:,running:1/2 ready,passed:2/2 ready" {
		t.Errorf("events = %v", got)
	}
}

func TestValidateRejectsBadPlans(t *testing.T) {
	cases := map[string][]Step{
		"duplicate": {{ID: "a", Title: "a", Run: ok("")}, {ID: "a", Title: "a", Run: ok("")}},
		"no run":    {{ID: "a", Title: "a"}},
		"forward":   {{ID: "a", Title: "a", Run: ok(""), After: []Ref{{ID: "b"}}}, {ID: "b", Title: "b", Run: ok("")}},
	}
	for name, plan := range cases {
		if _, err := Run(context.Background(), plan, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
