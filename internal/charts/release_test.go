package charts

import (
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// embeddedCommits maps the commit of each istio.io/istio module version meshwiz
// has embedded to the release Istio tagged on it (its releases page: "Istio
// 1.31.0 … eed52eb"). Moving go.mod to a commit missing here fails
// TestEmbeddedRelease until the commit's release is looked up and added.
var embeddedCommits = map[string]string{
	"eed52ebb66ad": "1.31.0",
}

func TestEmbeddedRelease(t *testing.T) {
	commit := embeddedIstioVersion[strings.LastIndex(embeddedIstioVersion, "-")+1:]
	release, ok := embeddedCommits[commit]
	if !ok {
		t.Fatalf("istio.io/istio %s: commit %s has no known release tag; look it up and add it to embeddedCommits", embeddedIstioVersion, commit)
	}
	if EmbeddedRelease != release {
		t.Errorf("EmbeddedRelease = %s, but commit %s is Istio %s", EmbeddedRelease, commit, release)
	}
	if mesh.EmbeddedIstioRelease != EmbeddedRelease || mesh.DefaultIstioVersion != EmbeddedRelease {
		t.Errorf("mesh defaults to Istio %s (embedded %s), charts are %s", mesh.DefaultIstioVersion, mesh.EmbeddedIstioRelease, EmbeddedRelease)
	}
}

// TestEmbeddedChartsStamped: Istio's source tree says version 1.0.0; the
// loaded charts carry the real release, as packaged releases do, so Helm
// records istiod-1.31.0 and the objects' labels say 1.31.0.
func TestEmbeddedChartsStamped(t *testing.T) {
	for _, name := range []string{Base, Istiod, Gateway} {
		ch := mustLoad(t, name)
		if ch.Metadata.Version != EmbeddedRelease || ch.Metadata.AppVersion != EmbeddedRelease {
			t.Errorf("%s: version %q appVersion %q, want %s", name, ch.Metadata.Version, ch.Metadata.AppVersion, EmbeddedRelease)
		}
		if v := Versions()[name]; v != EmbeddedRelease {
			t.Errorf("Versions()[%s] = %q", name, v)
		}
	}
	v := ClusterValues{MeshID: "mesh1", ClusterName: "east", Network: "network1", Hub: testHub, Tag: testTag}
	manifest, _ := render(t, Istiod, "istiod", IstiodValues(v))
	for _, want := range []string{"helm.sh/chart: istiod-" + EmbeddedRelease, `app.kubernetes.io/version: "` + EmbeddedRelease + `"`} {
		if !strings.Contains(manifest, want) {
			t.Errorf("rendered istiod lacks %q", want)
		}
	}
	if strings.Contains(manifest, "istiod-1.0.0") {
		t.Error("rendered istiod still says istiod-1.0.0")
	}
	if s := (Source{}).String(); !strings.Contains(s, "Istio "+EmbeddedRelease) {
		t.Errorf("embedded source = %q", s)
	}
}

func TestVerifiedAgainst(t *testing.T) {
	for _, tc := range []struct {
		src       Source
		want, not string
	}{
		{Source{}, "values verified against this release", "only"},
		{Source{Kind: SourceRepo, Version: "1.31.0"}, "values verified against this release", "only"},
		{Source{Kind: SourceRepo, Version: "1.32.1"}, "values verified against Istio 1.31.0 only, not 1.32.1", ""},
		{Source{Kind: SourcePath, Path: "./charts"}, "values verified against Istio 1.31.0 only, not these charts", ""},
	} {
		got := VerifiedAgainst(tc.src)
		if !strings.Contains(got, tc.want) || (tc.not != "" && strings.Contains(got, tc.not)) {
			t.Errorf("VerifiedAgainst(%+v) = %q, want %q", tc.src, got, tc.want)
		}
	}
}
