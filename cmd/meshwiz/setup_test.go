package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// writeMesh writes a mesh config for the bed's east and west clusters.
// With networks, east and west are on two networks; otherwise on one.
func writeMesh(t *testing.T, networks bool, extra string) (path, caDir string) {
	t.Helper()
	dir := t.TempDir()
	caDir = filepath.Join(dir, "certs")
	body := `apiVersion: meshwiz.dev/v1alpha1
kind: Mesh
meshID: mesh1
clusters:
  - context: east
  - context: west
security:
  ca:
    dir: ` + caDir + "\n" + extra
	if networks {
		body = strings.Replace(body, "  - context: east\n", "  - context: east\n    network: net-east\n", 1)
		body = strings.Replace(body, "  - context: west\n", "  - context: west\n    network: net-west\n", 1)
	}
	path = filepath.Join(dir, "mesh.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, caDir
}

func TestPlanShowsStepsAndValues(t *testing.T) {
	b := sharedBed(t)
	cfg, _ := writeMesh(t, true, "")
	r := meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig, "--config", cfg, "--values")
	r.wantCode(t, exitOK)
	for _, want := range []string{"Mesh mesh1: multi-primary, 2 clusters", "Cluster east (context east, primary, network net-east)",
		"[install/remote-secret/west]", "values of release istiod", "clusterName: east", "networkGateway: net-west"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.out)
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	r = meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig, "--config", cfg, "-o", "json", "--out", out)
	r.wantCode(t, exitOK)
	var doc struct {
		Clusters []plannedCluster `json:"clusters"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil || len(doc.Clusters) != 2 || len(doc.Clusters[1].Releases) != 3 {
		t.Fatalf("plan JSON: %v %+v", err, doc)
	}
	manifest, err := os.ReadFile(filepath.Join(out, "west", "04-istiod.yaml"))
	if err != nil || !strings.Contains(string(manifest), "- name: CLUSTER_ID\n            value: \"west\"") {
		t.Errorf("rendered istiod manifest for west: %v", err)
	}
	secret, err := os.ReadFile(filepath.Join(out, "west", "09-remote-secret-east.yaml"))
	if err != nil || !strings.Contains(string(secret), "istio-remote-secret-east") || !strings.Contains(string(secret), "<redacted") {
		t.Errorf("west's remote secret for east: %v\n%s", err, secret)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "west", "*")); len(files) != 11 {
		t.Errorf("west's plan files: %v", files)
	}
	ca, _ := os.ReadFile(filepath.Join(out, "west", "02-cacerts.yaml"))
	if strings.Contains(string(ca), "BEGIN") || !strings.Contains(string(ca), "redacted") {
		t.Errorf("cacerts is not redacted:\n%s", ca)
	}
}

func TestPlanRejectsBadConfig(t *testing.T) {
	b := sharedBed(t)
	cfg, _ := writeMesh(t, true, "eastWestGateway:\n  serviceType: Ingress\n")
	r := meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig, "--config", cfg)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "eastWestGateway.serviceType") {
		t.Errorf("the error does not name the field: %s", r.errOut)
	}
	r = meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig)
	r.wantCode(t, exitUsage)
	bad := filepath.Join(t.TempDir(), "mesh.yaml")
	os.WriteFile(bad, []byte("apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nclusters:\n  - context: nowhere\n"), 0o644)
	r = meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig, "--config", bad)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "nowhere") || !strings.Contains(r.errOut, "east") {
		t.Errorf("unknown context error: %s", r.errOut)
	}
}

// setupArgs are the setup flags of the lifecycle's first mesh: one network,
// a CA meshwiz generates in caDir.
func setupArgs(b *testbed.Bed, cfg string) []string {
	return []string{"setup", "--kubeconfig", b.Kubeconfig, "--config", cfg, "--ca-key-size", "2048"}
}

// setupRefused runs on clean clusters: without a terminal setup wants
// --yes; a failing prerequisite (loopback API servers) stops it before
// anything is applied; a dry run writes and applies nothing.
func setupRefused(t *testing.T, b *testbed.Bed, cfg, caDir string) {
	base := setupArgs(b, cfg)
	r := meshwiz(t, append(base, "--allow-loopback-servers")...)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "--yes") {
		t.Errorf("setup without --yes: %s", r.errOut)
	}

	r = meshwiz(t, append(base, "--yes")...)
	r.wantCode(t, exitChecksFailed)
	if !strings.Contains(r.errOut, "nothing was applied") || !strings.Contains(r.out, "loopback") {
		t.Errorf("failed checks: stdout %s\nstderr %s", r.out, r.errOut)
	}
	if _, err := b.Cluster("east").Clientset().CoreV1().Namespaces().Get(t.Context(), "istio-system", metav1.GetOptions{}); err == nil {
		t.Fatal("istio-system exists although the checks failed")
	}

	r = meshwiz(t, append(base, "--dry-run", "--allow-loopback-servers")...)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.out, "Dry run: ") || !strings.Contains(r.out, "Cluster west") {
		t.Errorf("dry run: %s", r.out)
	}
	if _, err := os.Stat(caDir); err == nil {
		t.Error("the dry run wrote certificates")
	}
	if _, err := b.Cluster("east").Clientset().CoreV1().Namespaces().Get(t.Context(), "istio-system", metav1.GetOptions{}); err == nil {
		t.Fatal("the dry run created istio-system")
	}
}

// setupInstalls installs multi-primary on one network through the command
// line, with the sandbox setting for loopback API servers.
func setupInstalls(t *testing.T, b *testbed.Bed, cfg, caDir string) {
	r := meshwiz(t, append(setupArgs(b, cfg), "--yes", "--allow-loopback-servers")...)
	r.wantCode(t, exitOK)
	for _, want := range []string{"Cluster east", "Helm release istiod is deployed and ready", "istiod in east can read cluster west"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("setup report lacks %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.errOut, "generated the mesh CA in "+caDir) || !strings.Contains(r.errOut, "[east] ✓") {
		t.Errorf("setup progress: %s", r.errOut)
	}
	info, err := os.Stat(filepath.Join(caDir, "east", "ca-key.pem"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("east's CA key: %v %v", info, err)
	}
	for _, c := range b.Clusters {
		if _, err := c.Clientset().CoreV1().Secrets("istio-system").Get(t.Context(), "cacerts", metav1.GetOptions{}); err != nil {
			t.Errorf("%s: cacerts: %v", c.Name, err)
		}
	}
}

// setupAgainIsUpToDate: a second run on the installed mesh reuses its CA
// and finds the releases up to date.
func setupAgainIsUpToDate(t *testing.T, b *testbed.Bed, cfg string) {
	r := meshwiz(t, append(setupArgs(b, cfg), "--yes", "--allow-loopback-servers", "-o", "json")...)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.out, "release istiod is up to date") || !strings.Contains(r.errOut, "reusing the mesh CA") {
		t.Errorf("second setup: %s\n%s", r.out, r.errOut)
	}
}
