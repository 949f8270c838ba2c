package steps

import (
	"context"
	"slices"
	"testing"
)

// A step skipped because a blocking dependency did not succeed names that
// dependency as data, so a UI follows the chain without reading Message.
func TestBlockedByNamesTheDependency(t *testing.T) {
	east := Ref{ID: "x/reach", Cluster: "east"}
	plan := []Step{
		{ID: "x/reach", Title: "reaches", Cluster: "east", Severity: Fatal, Run: fail("down")},
		{ID: "x/after", Title: "after", Cluster: "east", Severity: Error, Run: ok("")},
		{ID: "x/reach", Title: "reaches", Cluster: "west", Severity: Fatal, Run: ok("")},
		{ID: "x/both", Title: "both", Severity: Error, After: []Ref{east, {ID: "x/reach", Cluster: "west"}}, Run: ok("")},
		{ID: "x/later", Title: "later", Severity: Error, After: []Ref{{ID: "x/both"}}, Run: ok("")},
	}
	sum, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]Ref{}
	for _, e := range sum.Steps {
		got[e.Step.String()] = e.BlockedBy
	}
	want := map[string][]Ref{
		"x/reach@east": nil, "x/reach@west": nil,
		"x/after@east": {east},
		"x/both":       {east},
		"x/later":      {{ID: "x/both"}},
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s: BlockedBy = %v, want %v", k, got[k], w)
		}
	}
}
