package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/golden"
)

// offlineKubeconfig writes a kubeconfig that names the sandbox's contexts
// (east, west, north) on a server nobody answers: enough for `plan`, which
// never contacts the clusters.
func offlineKubeconfig(t *testing.T) string {
	t.Helper()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {}}]
contexts: [{name: east, context: {cluster: c, user: u}}, {name: west, context: {cluster: c, user: u}}, {name: north, context: {cluster: c, user: u}}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	return kc
}

// helmManifest names the files of `plan --out` that are rendered charts.
var helmManifest = regexp.MustCompile(`^\d\d-(istio-base|istiod|eastwest-gateway)\.yaml$`)

// TestPlanGolden pins `meshwiz plan --values` and `plan --out` for every
// example and for testdata/primary-remote-strict-injection.yaml (injection
// labels, STRICT mTLS on a remote's primary, a remote with a given server).
// meshwiz's own objects and the values files are kept whole; a rendered
// chart is kept as its sha256 and line count (it is megabytes, and helm
// template's output, not meshwiz's).
func TestPlanGolden(t *testing.T) {
	kc := offlineKubeconfig(t)
	configs, _ := filepath.Glob("../../examples/*.yaml")
	configs = append(configs, "testdata/primary-remote-strict-injection.yaml")
	for _, cfg := range configs {
		name := strings.TrimSuffix(filepath.Base(cfg), ".yaml")
		t.Run(name, func(t *testing.T) {
			r := meshwiz(t, "plan", "--kubeconfig", kc, "--config", cfg, "--values")
			r.wantCode(t, exitOK)
			golden.Check(t, "plan/"+name+".txt.golden", []byte(r.out))

			out := t.TempDir()
			meshwiz(t, "plan", "--kubeconfig", kc, "--config", cfg, "--out", out).wantCode(t, exitOK)
			golden.Check(t, "plan/"+name+".export.golden", exportDigest(t, out))
		})
	}
}

// exportDigest lists every file `plan --out` wrote into dir, in the order
// of its manifest, with its contents (a rendered chart: its digest).
func exportDigest(t *testing.T, dir string) []byte {
	t.Helper()
	manifest, err := os.ReadFile(filepath.Join(dir, planManifest))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		_, rel, _ := strings.Cut(line, "  ")
		body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if helmManifest.MatchString(filepath.Base(rel)) {
			header, _, _ := strings.Cut(string(body), "\n")
			fmt.Fprintf(&b, "==> %s: %s\n    rendered chart: %d lines, sha256 %x\n", rel, header, strings.Count(string(body), "\n"), sha256.Sum256(body))
			continue
		}
		fmt.Fprintf(&b, "==> %s\n%s", rel, body)
	}
	return []byte(b.String())
}
