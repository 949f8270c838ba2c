package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
)

// Every final event says why it is not the step's own verdict as data:
// blocked, cancelled (before or while running) or timed out; a step that
// was not applicable, passed or failed on its own has no Reason.
func TestReasonTellsBlockedCanceledAndTimedOut(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	plan := []Step{
		{ID: "r/down", Title: "down", Cluster: "a", Severity: Fatal, Run: fail("down")},
		{ID: "r/blocked", Title: "blocked", Cluster: "a", Severity: Error, Run: ok("")},
		{ID: "r/na", Title: "n/a", Cluster: "b", Severity: Error, Run: func(context.Context, func(string)) (Result, error) {
			return Result{}, Skip("nothing to do")
		}},
		{ID: "r/slow", Title: "slow", Cluster: "b", Severity: Error, Timeout: 20 * time.Millisecond,
			Run: func(ctx context.Context, _ func(string)) (Result, error) { <-ctx.Done(); return Result{}, ctx.Err() }},
		{ID: "r/hang", Title: "hang", Cluster: "c", Severity: Error, Run: func(ctx context.Context, _ func(string)) (Result, error) {
			close(started)
			<-ctx.Done()
			return Result{}, ctx.Err()
		}},
		{ID: "r/later", Title: "later", Cluster: "c", Severity: Error, Run: ok("")},
	}
	go func() {
		<-started
		time.Sleep(50 * time.Millisecond) // r/slow has timed out by then
		cancel()
	}()
	sum, err := Run(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		st     Status
		reason Reason
		cut    bool
	}{
		"r/down@a":    {Failed, "", false},
		"r/blocked@a": {Skipped, Blocked, true},
		"r/na@b":      {Skipped, "", false},
		"r/slow@b":    {Failed, TimedOut, false},
		"r/hang@c":    {Skipped, Canceled, true},
		"r/later@c":   {Skipped, Canceled, true},
	}
	for _, e := range sum.Steps {
		w := want[e.Step.String()]
		if e.Status != w.st || e.Reason != w.reason || e.Cut() != w.cut {
			t.Errorf("%s: status %s reason %q cut %v (message %q), want %s %q %v", e.Step, e.Status, e.Reason, e.Cut(), e.Message, w.st, w.reason, w.cut)
		}
	}

	var b bytes.Buffer
	if err := RenderJSON(&b, sum); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Results {
		id := r["id"].(string) + "@" + r["cluster"].(string)
		got, has := r["reason"]
		if w := want[id].reason; (w == "" && has) || (w != "" && got != string(w)) {
			t.Errorf("JSON %s: reason %v (present %v), want %q omitted when empty", id, got, has, w)
		}
	}
}
