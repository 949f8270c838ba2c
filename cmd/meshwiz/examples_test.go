package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesPlanAsTheyAre renders every example mesh config with `plan`
// (offline: the kubeconfig only names the sandbox's contexts).
func TestExamplesPlanAsTheyAre(t *testing.T) {
	kc := offlineKubeconfig(t)
	examples, _ := filepath.Glob("../../examples/*.yaml")
	if len(examples) != 3 {
		t.Fatalf("examples: %v", examples)
	}
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			out := t.TempDir()
			r := meshwiz(t, "plan", "--kubeconfig", kc, "--config", ex, "--out", out)
			r.wantCode(t, exitOK)
			// The examples name the release they install, and plan says
			// which chart release the values were verified against.
			for _, want := range []string{"Cluster east", "Istio 1.31.0 images",
				"charts: embedded Istio 1.31.0; values verified against this release"} {
				if !strings.Contains(r.out, want) {
					t.Errorf("plan output lacks %q:\n%s", want, r.out)
				}
			}
			files, _ := filepath.Glob(filepath.Join(out, "east", "04-istiod.yaml"))
			if len(files) != 1 {
				all, _ := filepath.Glob(filepath.Join(out, "*", "*"))
				t.Errorf("no rendered istiod manifest for east in %s: %v\n%s", out, all, r.errOut)
			} else if m, _ := os.ReadFile(files[0]); !strings.Contains(string(m), "helm.sh/chart: istiod-1.31.0") {
				t.Errorf("%s is not labelled with the chart release istiod-1.31.0", files[0])
			}
		})
	}
}
