package charts

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
	"istio.io/istio/manifests"
)

func TestLoadEmbedded(t *testing.T) {
	for _, name := range []string{Base, Istiod, Gateway} {
		start := time.Now()
		ch, err := Load(Source{}, name)
		if err != nil {
			t.Fatalf("Load(%s): %v", name, err)
		}
		t.Logf("loaded embedded chart %s %s in %v (%d templates, %d files)",
			name, ch.Metadata.Version, time.Since(start).Round(time.Microsecond), len(ch.Templates), len(ch.Files))
		if ch.Name() != name {
			t.Errorf("chart name %q, want %q", ch.Name(), name)
		}
		if len(ch.Templates) == 0 || ch.Values == nil {
			t.Errorf("%s: no templates or values", name)
		}
		// The profile mechanism (templates/zzz_profile.yaml) reads files/profile-*.yaml.
		if !hasFile(ch.Files, "files/profile-remote.yaml") {
			t.Errorf("%s: files/profile-remote.yaml not loaded", name)
		}
	}
	if _, err := Load(Source{Kind: SourceEmbedded}, Istiod); err != nil {
		t.Errorf("explicit embedded kind: %v", err)
	}
}

func hasFile(files []*chart.File, name string) bool {
	for _, f := range files {
		if f.Name == name {
			return true
		}
	}
	return false
}

func TestVersions(t *testing.T) {
	v := Versions()
	for _, name := range []string{Base, Istiod, Gateway} {
		if v[name] == "" || v[name] == "unknown" {
			t.Errorf("Versions()[%s] = %q", name, v[name])
		}
	}
	if len(v) != 3 {
		t.Errorf("Versions() = %v, want 3 charts", v)
	}
	t.Logf("embedded chart versions %v, istio module %s", v, IstioModuleVersion())
	if got := IstioModuleVersion(); !strings.HasPrefix(got, "v") {
		t.Errorf("IstioModuleVersion() = %q", got)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if want := istioModule + " " + embeddedIstioVersion; !strings.Contains(string(gomod), want) {
		t.Errorf("go.mod does not require %s: update embeddedIstioVersion", want)
	}
}

// TestLoadPath lays out base/ and istiod/ as directories and gateway as a
// packaged gateway-<version>.tgz, as `helm pull` leaves it.
func TestLoadPath(t *testing.T) {
	root := t.TempDir()
	for name, dir := range map[string]string{Base: embeddedDirs[Base], Istiod: embeddedDirs[Istiod]} {
		sub, err := fs.Sub(manifests.FS, dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(filepath.Join(root, name), sub); err != nil {
			t.Fatal(err)
		}
	}
	gw := mustLoad(t, Gateway)
	if _, err := chartutil.Save(gw, root); err != nil {
		t.Fatal(err)
	}
	src := Source{Kind: SourcePath, Path: root}
	for _, name := range []string{Base, Istiod, Gateway} {
		ch, err := Load(src, name)
		if err != nil {
			t.Fatalf("Load(path, %s): %v", name, err)
		}
		if want := mustLoad(t, name); len(ch.Templates) != len(want.Templates) || len(ch.Files) != len(want.Files) {
			t.Errorf("%s from path: %d templates, %d files; embedded has %d, %d",
				name, len(ch.Templates), len(ch.Files), len(want.Templates), len(want.Files))
		}
		if name == Base {
			continue // slow to render; same files as the embedded chart
		}
		if _, err := Render(ch, name, testNamespace, nil, testKubeVersion); err != nil {
			t.Errorf("Render(%s from path): %v", name, err)
		}
	}

	// An Istio source tree's manifests/charts layout works for istiod too.
	tree := t.TempDir()
	sub, _ := fs.Sub(manifests.FS, "charts/istio-control")
	if err := os.CopyFS(filepath.Join(tree, "istio-control"), sub); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Source{Kind: SourcePath, Path: tree}, Istiod); err != nil {
		t.Errorf("Load(istiod from istio-control/istio-discovery): %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	empty := t.TempDir()
	cases := []struct {
		src  Source
		name string
		want []string
	}{
		{Source{}, "istio-discovery", []string{`"istio-discovery"`, "unknown chart"}},
		{Source{Kind: "ftp"}, Base, []string{`"base"`, `"ftp"`}},
		{Source{Kind: SourcePath}, Gateway, []string{`"gateway"`, "no path"}},
		{Source{Kind: SourcePath, Path: empty}, Istiod, []string{`"istiod"`, "path " + empty, "istiod-*.tgz"}},
	}
	for _, c := range cases {
		_, err := Load(c.src, c.name)
		if err == nil {
			t.Errorf("Load(%+v, %s): no error", c.src, c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Load(%+v, %s) = %q, want it to mention %s", c.src, c.name, err, w)
			}
		}
	}
	// Two packages of one chart are ambiguous.
	for _, v := range []string{"1.30.0", "1.31.1"} {
		if err := os.WriteFile(filepath.Join(empty, "base-"+v+".tgz"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(Source{Kind: SourcePath, Path: empty}, Base); err == nil || !strings.Contains(err.Error(), "2 packages") {
		t.Errorf("two base packages: %v", err)
	}
}

// TestLoadRepo serves a packaged chart and index.yaml from a local HTTP server
// (the real Istio repository is out of reach here) and loads it as a repo.
func TestLoadRepo(t *testing.T) {
	dir := t.TempDir()
	if _, err := chartutil.Save(mustLoad(t, Gateway), dir); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	idx, err := repo.IndexDirectory(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	for _, k := range []string{"HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"} {
		t.Setenv(k, filepath.Join(home, k))
	}
	t.Setenv("HELM_REPOSITORY_CACHE", filepath.Join(home, "repocache"))

	src := Source{Kind: SourceRepo, RepoURL: srv.URL + "/", Version: EmbeddedRelease}
	ch, err := Load(src, Gateway)
	if err != nil {
		t.Fatalf("Load(repo): %v", err)
	}
	if ch.Metadata.Version != EmbeddedRelease || len(ch.Templates) == 0 {
		t.Errorf("repo chart %s %s, %d templates", ch.Name(), ch.Metadata.Version, len(ch.Templates))
	}
	if _, err := os.Stat(filepath.Join(home, "repocache", "gateway-"+EmbeddedRelease+".tgz")); err != nil {
		t.Errorf("chart not cached: %v", err)
	}

	_, err = Load(Source{Kind: SourceRepo, RepoURL: srv.URL, Version: "9.9.9"}, Gateway)
	if err == nil || !strings.Contains(err.Error(), `"gateway"`) || !strings.Contains(err.Error(), "9.9.9") {
		t.Errorf("missing version: %v", err)
	}
}

func TestSourceString(t *testing.T) {
	if s := (Source{Kind: SourceRepo}).String(); !strings.Contains(s, DefaultRepoURL) || !strings.Contains(s, "latest") {
		t.Errorf("repo source = %q", s)
	}
	if s := (Source{Kind: SourceRepo, RepoURL: "oci://registry.istio.io/release/charts/", Version: "1.31.1"}).String(); s != "repo oci://registry.istio.io/release/charts version 1.31.1" {
		t.Errorf("oci source = %q", s)
	}
}
