package install

import (
	"testing"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// TestPlanLabelsEveryStep: every install step carries a short label, and a
// remote's istiod is labelled as the remote profile it runs, so that no UI
// reads that from the title.
func TestPlanLabelsEveryStep(t *testing.T) {
	cfg := bedtest.Mesh(t, mesh.PrimaryRemote, true, "a", "b", "c")
	plan, err := Plan(cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range plan {
		if s.Label == "" || s.Label == s.Title {
			t.Errorf("%s has no short label (%q)", s.Ref(), s.Label)
		}
		got[s.Ref().String()] = s.Label
	}
	for ref, want := range map[string]string{
		"install/istiod@a": "istiod", "install/istiod@b": "istiod (remote)",
		"install/remote-secret/b@a": "secret b", "install/eastwest-gateway@b": "east-west gateway",
	} {
		if got[ref] != want {
			t.Errorf("%s: label %q, want %q", ref, got[ref], want)
		}
	}
}
