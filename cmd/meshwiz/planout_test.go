package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/certs"
)

// plan --out writes into a new or empty directory, replaces an earlier
// plan's unchanged files (removing those the new plan no longer has), and
// refuses, naming the directory, the files and --force, a directory holding
// anything else; --force overwrites the plan's files and leaves the rest.
func TestPlanOutRefusesFilesItDidNotWrite(t *testing.T) {
	b := sharedBed(t)
	cfg, _ := writeMesh(t, true, "")
	out := filepath.Join(t.TempDir(), "plan")
	plan := func(extra ...string) result {
		return meshwiz(t, append([]string{"plan", "--kubeconfig", b.Kubeconfig, "--config", cfg, "--out", out}, extra...)...)
	}
	plan().wantCode(t, exitOK)
	istiod := filepath.Join(out, "east", "04-istiod.yaml")
	if _, err := os.Stat(filepath.Join(out, planManifest)); err != nil {
		t.Fatalf("no manifest of the plan's files: %v", err)
	}
	if r := plan(); r.code != exitOK || !strings.Contains(r.errOut, "wrote the objects of 2 clusters") {
		t.Fatalf("a second plan into its own unchanged files: exit %d\n%s", r.code, r.errOut)
	}

	// A file of someone else's, and an edited plan file: refused, untouched.
	notes := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(istiod, []byte("# edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := plan()
	r.wantCode(t, exitUsage)
	for _, want := range []string{"--out " + out, "notes.txt", filepath.Join("east", "04-istiod.yaml"), "--force"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("refusal lacks %q:\n%s", want, r.errOut)
		}
	}
	if data, _ := os.ReadFile(istiod); string(data) != "# edited\n" {
		t.Errorf("the refused plan changed %s", istiod)
	}

	// --force: the plan's files are rewritten, the other file stays.
	plan("--force").wantCode(t, exitOK)
	if data, _ := os.ReadFile(istiod); !strings.Contains(string(data), "kind: Deployment") {
		t.Errorf("--force did not rewrite %s", istiod)
	}
	if data, _ := os.ReadFile(notes); string(data) != "mine\n" {
		t.Errorf("--force touched %s", notes)
	}

	// A plan that names west w2 removes the earlier plan's west/ (11 files)
	// and east's remote secret for west.
	if err := os.Remove(notes); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(cfg)
	renamed := strings.Replace(string(body), "  - context: west\n", "  - context: west\n    name: w2\n", 1)
	if err := os.WriteFile(cfg, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	r = plan()
	r.wantCode(t, exitOK)
	if _, err := os.Stat(filepath.Join(out, "east", "09-remote-secret-west.yaml")); err == nil {
		t.Errorf("east's remote secret for west is left")
	}
	if _, err := os.Stat(filepath.Join(out, "west")); err == nil || !strings.Contains(r.errOut, "removed 12 file(s) of the earlier plan") {
		t.Errorf("west's files of the earlier plan: %v\n%s", err, r.errOut)
	}

	// A directory with other files and no plan in it; a file as --out.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "README"), nil, 0o644)
	r = meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig, "--config", cfg, "--out", other)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "README") || !strings.Contains(r.errOut, "--force") {
		t.Errorf("a foreign directory: %s", r.errOut)
	}
}

// A relative security.ca.dir resolves from the mesh file's directory (not
// the working directory, the package directory here), and a brought CA key
// that group or others may read is a warning naming the file and the chmod.
func TestPlanReadsExistingCABesideTheConfig(t *testing.T) {
	b := sharedBed(t)
	dir := t.TempDir()
	caDir := filepath.Join(dir, "ca")
	if _, _, _, err := certs.EnsureDir(caDir, []string{"east", "west"}, certs.Options{KeyBits: certs.MinKeyBits}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "mesh.yaml")
	body := "apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nclusters:\n  - context: east\n  - context: west\nsecurity:\n  ca:\n    mode: existing\n    dir: ./ca\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig, "--config", cfg)
	r.wantCode(t, exitOK)
	if strings.Contains(r.errOut, "WARNING") {
		t.Errorf("0600 keys warned: %s", r.errOut)
	}
	key := filepath.Join(caDir, "west", certs.CAKeyFile)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	r = meshwiz(t, "plan", "--kubeconfig", b.Kubeconfig, "--config", cfg)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.errOut, "WARNING: the CA private key "+key+" is readable by group and others (mode 0644)") ||
		!strings.Contains(r.errOut, "chmod 600 "+key) {
		t.Errorf("a 0644 CA key: stderr %q, want a warning naming %s and chmod 600", r.errOut, key)
	}
}
