package install

import (
	"slices"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// lanes returns each cluster's step IDs in plan order.
func lanes(plan []steps.Step) map[string][]string {
	out := map[string][]string{}
	for _, s := range plan {
		out[s.Cluster] = append(out[s.Cluster], s.ID)
	}
	return out
}

func TestPlanShapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		model   mesh.Model
		multi   bool
		lanes   map[string]string
		afterOf map[string]string // "id@cluster" → a required After ref
	}{
		{"multi-primary one network", mesh.MultiPrimary, false, map[string]string{
			"a": "namespace cacerts istio-base istiod reader-token remote-secret/b remote-secret/c mesh-mtls injection",
			"c": "namespace cacerts istio-base istiod reader-token remote-secret/a remote-secret/b mesh-mtls injection",
		}, map[string]string{"install/remote-secret/b@a": "install/reader-token@b"}},
		{"multi-primary multi-network", mesh.MultiPrimary, true, map[string]string{
			"a": "namespace cacerts istio-base istiod eastwest-gateway gateway-address expose-services reader-token remote-secret/b remote-secret/c mesh-mtls injection",
		}, nil},
		{"primary-remote one network", mesh.PrimaryRemote, false, map[string]string{
			"a": "namespace cacerts istio-base istiod eastwest-gateway gateway-address expose-istiod remote-secret/b remote-secret/c mesh-mtls injection",
			"b": "namespace cacerts istio-base istiod reader-token injection",
		}, map[string]string{"install/istiod@b": "install/gateway-address@a", "install/remote-secret/c@a": "install/reader-token@c"}},
		{"primary-remote multi-network", mesh.PrimaryRemote, true, map[string]string{
			"a": "namespace cacerts istio-base istiod eastwest-gateway gateway-address expose-istiod expose-services remote-secret/b remote-secret/c mesh-mtls injection",
			"b": "namespace cacerts istio-base istiod reader-token eastwest-gateway gateway-address injection",
		}, map[string]string{"install/eastwest-gateway@b": "install/remote-secret/b@a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := bedtest.Mesh(t, tc.model, tc.multi, "a", "b", "c")
			plan, err := Plan(cfg, Env{})
			if err != nil {
				t.Fatal(err)
			}
			if err := steps.Validate(plan); err != nil {
				t.Fatal(err)
			}
			got := lanes(plan)
			for cl, want := range tc.lanes {
				have := strings.ReplaceAll(strings.Join(got[cl], " "), "install/", "")
				if have != want {
					t.Errorf("lane %s:\n got %s\nwant %s", cl, have, want)
				}
			}
			for key, dep := range tc.afterOf {
				found := false
				for _, s := range plan {
					if s.Ref().String() == key {
						for _, a := range s.After {
							found = found || a.String() == dep
						}
					}
				}
				if !found {
					t.Errorf("%s does not run after %s", key, dep)
				}
			}
			for _, s := range plan {
				if s.Severity != steps.Fatal && !slices.Contains([]string{IDInjection}, s.ID) {
					t.Errorf("%s is not fatal: a failed install step must stop its cluster", s.Ref())
				}
			}
		})
	}
}

func TestPlanRejectsInvalidConfig(t *testing.T) {
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, false, "a", "b")
	cfg.Clusters[1].Name = "Kubernetes"
	if _, err := Plan(cfg, Env{}); err == nil || !strings.Contains(err.Error(), "clusters[1].name") {
		t.Errorf("Plan accepted an invalid config: %v", err)
	}
}

// TestPlanTwoPrimariesReadEveryCluster: in primary-remote with two primaries,
// each primary's istiod reads every other cluster (the other primary and
// every remote, whichever primary manages it); before, the second primary
// read nobody and the mesh was split.
func TestPlanTwoPrimariesReadEveryCluster(t *testing.T) {
	cfg := &mesh.Config{APIVersion: mesh.APIVersion, Kind: mesh.Kind, Model: mesh.PrimaryRemote, Clusters: []mesh.Cluster{
		{Context: "a", Name: "a", Role: mesh.Primary}, {Context: "b", Name: "b", Role: mesh.Remote, Primary: "a"},
		{Context: "c", Name: "c", Role: mesh.Primary}}}
	cfg.Security.CA.Dir = t.TempDir()
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if err := steps.Validate(plan); err != nil {
		t.Fatal(err)
	}
	got := lanes(plan)
	for cl, want := range map[string][]string{"a": {"b", "c"}, "c": {"a", "b"}, "b": nil} {
		var reads []string
		for _, id := range got[cl] {
			if src, ok := strings.CutPrefix(id, IDRemoteSecret); ok {
				reads = append(reads, src)
			}
		}
		if !slices.Equal(reads, want) {
			t.Errorf("istiod in %s reads %v, want %v", cl, reads, want)
		}
	}
	for _, cl := range []string{"a", "b", "c"} {
		if !slices.Contains(got[cl], IDReaderToken) {
			t.Errorf("%s has no reader token although a primary reads it", cl)
		}
	}
}
