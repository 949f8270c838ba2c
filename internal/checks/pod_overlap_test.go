package checks

import (
	"context"
	"testing"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// PodRanges and PodOverlaps, which the wizard calls to suggest networks,
// find what the mesh/pod-cidr-overlap check finds on the same clusters.
func TestPodOverlapsIsWhatTheCheckFinds(t *testing.T) {
	b := bed(t)
	names := []string{"good", "svcdup", "poddup"}
	cls := clusters(t, b, names...)
	ranges := make([]Ranges, len(cls))
	for i, c := range cls {
		r, err := PodRanges(context.Background(), NewFacts(c.Client))
		if err != nil || r == nil {
			t.Fatalf("%s: PodRanges = %v, %v", c.Name, r, err)
		}
		ranges[i] = r
	}
	got := PodOverlaps(names, ranges)
	want := Overlap{A: "good", B: "poddup", Shared: "10.244.0.0-10.244.0.255"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("PodOverlaps = %+v, want [%+v]", got, want)
	}
	ranges[2] = nil // unknown: compared with nothing
	if got := PodOverlaps(names, ranges); len(got) != 0 {
		t.Errorf("PodOverlaps with poddup unknown = %+v, want none", got)
	}

	ev := run(t, Options{Clusters: cls, AllowLoopbackServers: true})
	expect(t, ev, "mesh/pod-cidr-overlap", steps.Failed, "good pods and poddup pods share "+want.Shared)
}
