package teardown

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Unit tests of the parts that need no cluster: includes, classification,
// the preview, the plan's shape, the renderers and the JSON document.

func TestParseInclude(t *testing.T) {
	for _, tc := range []struct {
		in              string
		kind, ns, name  string
		matchKind       string
		matchNS, wantOK bool
	}{
		{in: "configmap/istio-system/user-config", kind: "configmap", ns: "istio-system", name: "user-config", matchKind: "ConfigMap", wantOK: true},
		{in: "crd/gateways.networking.istio.io", kind: "crd", name: "gateways.networking.istio.io", matchKind: "CustomResourceDefinition", wantOK: true},
		{in: "mutatingwebhookconfigurations/x", kind: "mutatingwebhookconfigurations", name: "x", matchKind: "MutatingWebhookConfiguration", wantOK: true},
		{in: "policies/x", kind: "policies", name: "x", matchKind: "Policy", wantOK: true},
		{in: "secret/x", kind: "secret", name: "x", matchKind: "ConfigMap", wantOK: false},
	} {
		in, err := ParseInclude(tc.in)
		if err != nil || in.Kind != tc.kind || in.Namespace != tc.ns || in.Name != tc.name {
			t.Errorf("ParseInclude(%q) = %+v, %v", tc.in, in, err)
			continue
		}
		if got := in.matches(tc.matchKind, tc.ns, tc.name); got != tc.wantOK {
			t.Errorf("%q matches %s %s/%s: %v, want %v", tc.in, tc.matchKind, tc.ns, tc.name, got, tc.wantOK)
		}
		if in.matches(tc.matchKind, "other", tc.name) {
			t.Errorf("%q matches another namespace", tc.in)
		}
	}
	for _, bad := range []string{"", "configmap", "a/b/c/d", "configmap//x", "/x"} {
		if _, err := ParseInclude(bad); err == nil || !strings.Contains(err.Error(), "KIND/NAMESPACE/NAME") {
			t.Errorf("ParseInclude(%q): %v, want a usage hint", bad, err)
		}
	}
}

func TestClassify(t *testing.T) {
	rec := &install.Record{Objects: []install.Object{
		{APIVersion: "helm.sh/v3", Kind: "Release", Namespace: install.Namespace, Name: "istiod", Change: "helm-release"},
		{APIVersion: "v1", Kind: "Secret", Namespace: install.Namespace, Name: "cacerts", Change: "created"},
		{APIVersion: "v1", Kind: "Namespace", Name: "app", Change: "labelled", Detail: "istio-injection=enabled"},
	}}
	own := newOwner(rec, []Include{{Kind: "cm", Namespace: install.Namespace, Name: "mine"}})
	helm := func(rel string) map[string]string {
		return map[string]string{helmReleaseAnno: rel, helmNamespaceAnno: install.Namespace}
	}
	for _, tc := range []struct {
		kind, ns, name string
		labels, annos  map[string]string
		want           Action
		reason         string
	}{
		{"Secret", install.Namespace, "cacerts", nil, nil, Remove, ReasonRecord},
		{"Secret", install.Namespace, "other", map[string]string{install.ManagedByLabel: install.ManagedByValue}, nil, Remove, ReasonLabel},
		{"ClusterRole", "", "istiod-clusterrole", nil, helm("istiod"), Remove, "part of meshwiz's Helm release istiod"},
		{"ClusterRole", "", "foreign", nil, helm("someone-else"), Keep, "part of Helm release someone-else, which meshwiz did not install"},
		{"ConfigMap", install.Namespace, "mine", nil, nil, Remove, ReasonIncluded},
		{"ConfigMap", install.Namespace, "theirs", nil, nil, Keep, ReasonNotOurs},
		{"Namespace", "", "app", nil, nil, Keep, ReasonNotOurs}, // labelled, not created
	} {
		got, reason := own.classify(tc.kind, tc.ns, tc.name, tc.labels, tc.annos)
		if got != tc.want || reason != tc.reason {
			t.Errorf("%s %s/%s: %s (%s), want %s (%s)", tc.kind, tc.ns, tc.name, got, reason, tc.want, tc.reason)
		}
	}
	if !own.matched[0] || !own.hasIstio() {
		t.Errorf("matched %v, hasIstio %v", own.matched, own.hasIstio())
	}
	if got := labelKeys("topology.istio.io/network=net-a, topology.istio.io/controlPlaneClusters=hub"); got[install.NetworkLabel] != "net-a" || got[install.ControlPlaneAnno] != "hub" {
		t.Errorf("labelKeys: %v", got)
	}
}

// fake builds an inventory of reachable clusters without clients.
func fake(clusters ...*Cluster) *Inventory {
	for _, c := range clusters {
		if c.Error == "" {
			c.Reachable = true
		}
	}
	return &Inventory{Clusters: clusters}
}

func rel(name, chart string) Object {
	return Object{Category: CatRelease, Kind: "Release", Namespace: install.Namespace, Name: name, Chart: chart, Action: Remove, Reason: ReasonRecord}
}

func remoteSecret(to string) Object {
	return Object{Category: CatRemoteSecret, Kind: "Secret", Namespace: install.Namespace, Name: mesh.RemoteSecretName(to), PointsAt: to, Action: Remove, Reason: ReasonRecord}
}

func TestPreviewDependents(t *testing.T) {
	reader := Object{Category: CatReader, Kind: "Secret", Namespace: install.Namespace, Name: install.ReaderToken, Action: Remove, Reason: ReasonRecord}
	hub := &Cluster{Context: "hub", Name: "hub", ServesRemotes: true, Objects: []Object{rel("istiod", "istiod"), remoteSecret("spoke")}}
	breaks := fake(hub).Preview()
	if len(breaks) != 1 || breaks[0].Kind != BreakRemote || breaks[0].Cluster != "spoke" {
		t.Errorf("hub alone: %+v", breaks)
	}
	spoke := &Cluster{Context: "spoke", Name: "spoke", ControlPlane: "hub", Objects: []Object{rel("istiod", "istiod")}}
	if breaks := fake(hub, spoke).Preview(); len(breaks) != 0 {
		t.Errorf("hub and spoke: %+v", breaks)
	}
	east := &Cluster{Context: "ctx-east", Name: "east", Objects: []Object{rel("istiod", "istiod"), remoteSecret("west"), reader},
		Sidecars: []Sidecars{{Namespace: "shop", Pods: 2, Examples: []string{"a", "b"}}}, StrictMTLS: true}
	breaks = fake(east).Preview()
	kinds := make([]BreakKind, len(breaks))
	for i, b := range breaks {
		kinds[i] = b.Kind
	}
	if !slices.Equal(kinds, []BreakKind{BreakSidecars, BreakPeer}) || breaks[1].Cluster != "west" || !strings.Contains(breaks[0].Message, "STRICT") {
		t.Errorf("east alone: %+v", breaks)
	}
	west := &Cluster{Context: "west", Error: "context \"west\": connection refused"}
	if breaks := fake(east, west).Preview(); len(breaks) != 1 {
		t.Errorf("with west selected (unreached) it is no outside peer: %+v", breaks)
	}
	crd := Object{Category: CatCRD, Kind: "CustomResourceDefinition", Name: "gateways.networking.istio.io", CustomResources: 3, Action: Keep, Reason: ReasonPurgeCRDs}
	gw := Object{Category: CatExposure, Kind: "Gateway", APIVersion: "networking.istio.io/v1", Namespace: install.Namespace, Name: "cross-network-gateway", Action: Remove}
	c := &Cluster{Context: "c", Objects: []Object{gw, crd}}
	if breaks := fake(c).Preview(); len(breaks) != 1 || !strings.Contains(breaks[0].Message, "2 Istio custom resource(s) remain") {
		t.Errorf("custom resources (one of the 3 is meshwiz's): %+v", breaks)
	}
}

func TestPlanShape(t *testing.T) {
	east := &Cluster{Context: "east", Name: "east", HasRecord: true, Objects: []Object{
		remoteSecret("west"), rel("istio-base", "base"), rel("istiod", "istiod"), rel("istio-eastwestgateway", "gateway"),
		{Category: CatNamespace, Kind: "Namespace", Name: install.Namespace, Action: Keep, Reason: "holds objects", Labels: []string{install.ManagedByLabel}},
		{Category: CatCRD, Kind: "CustomResourceDefinition", Name: "x.istio.io", Action: Keep},
	}, PointedAtBy: []Pointer{{Cluster: "west", Name: mesh.RemoteSecretName("east"), Action: Remove}}}
	west := &Cluster{Context: "west", Name: "west", HasRecord: true, Objects: []Object{remoteSecret("east")}}
	gone := &Cluster{Context: "gone", Error: "not reached"}
	empty := &Cluster{Context: "empty"}
	plan, err := Plan(fake(east, west, gone, empty))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range plan {
		got = append(got, s.Ref().String())
		if s.Severity != steps.Fatal || s.Timeout <= 0 {
			t.Errorf("%s: severity %s timeout %s", s.Ref(), s.Severity, s.Timeout)
		}
		if s.Ref().String() == IDGateway+"@east" && !slices.Equal(s.After, []steps.Ref{{ID: IDRemoteSecrets, Cluster: "west"}}) {
			t.Errorf("east's first step after its remote secrets waits for %v", s.After)
		}
	}
	want := []string{IDRemoteSecrets + "@east", IDRemoteSecrets + "@west", IDGateway + "@east", IDIstiod + "@east", IDWebhooks + "@east",
		IDBase + "@east", IDNamespace + "@east", IDRecord + "@east", IDRecord + "@west"}
	if !slices.Equal(got, want) {
		t.Errorf("plan\n%v\nwant\n%v", got, want)
	}
}

func TestRenderAndDocument(t *testing.T) {
	kept := &Cluster{Context: "a", Name: "a", MeshID: "mesh1", Objects: []Object{
		{Category: CatNamespace, Kind: "Namespace", Name: install.Namespace, Action: Keep, Reason: "holds objects meshwiz did not create: ConfigMap x"},
	}, Blockers: []Object{{Category: CatContent, Kind: "ConfigMap", Namespace: install.Namespace, Name: "x", Action: Keep, Reason: ReasonNotOurs}}}
	down := &Cluster{Context: "b", Error: `context "b": connection refused`, Hint: "check that the cluster is running"}
	inv := fake(kept, down)
	inv.UnmatchedIncludes = []string{"cm/nope"}
	lines := strings.Join(inv.Lines(), "\n")
	for _, want := range []string{"Cluster a (mesh mesh1): nothing of the mesh left", "  keep    Namespace istio-system: holds objects",
		`Cluster b: not reached: context "b": connection refused`, "  hint: check that the cluster is running",
		"run teardown again when it answers", "! --include cm/nope named nothing"} {
		if !strings.Contains(lines, want) {
			t.Errorf("lines lack %q:\n%s", want, lines)
		}
	}
	left := strings.Join(LeftBehindLines(inv, nil), "\n")
	if !strings.Contains(left, "a: kept ConfigMap istio-system/x: not created by meshwiz") || !strings.Contains(left, "b: not reached") {
		t.Errorf("left behind:\n%s", left)
	}
	if err := inv.Unfinished(steps.Summary{}); err == nil || !strings.Contains(err.Error(), "b: not reached") || strings.Contains(err.Error(), "a:") {
		t.Errorf("unfinished: %v", err)
	}
	var buf bytes.Buffer
	if err := NewDocument(inv, nil, nil, ResultDryRun).Render(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schemaVersion", "result", "purgeCRDs", "clusters", "unmatchedIncludes", "preview", "leftBehind"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("the document lacks %q: %s", k, buf.String())
		}
	}
	if _, ok := doc["run"]; ok || doc["result"] != "dry-run" {
		t.Errorf("a dry run's document: %s", buf.String())
	}
}

func TestPreviewRemoteAlone(t *testing.T) {
	spoke := &Cluster{Context: "spoke", Name: "spoke", ControlPlane: "hub", Objects: []Object{rel("istiod", "istiod")},
		PointedAtBy: []Pointer{{Cluster: "other", Namespace: install.Namespace, Name: "istio-remote-secret-spoke", Action: Keep}}}
	breaks := fake(spoke).Preview()
	if len(breaks) != 2 || breaks[0].Kind != BreakPeer || breaks[0].Cluster != "hub" || breaks[1].Cluster != "other" ||
		!strings.Contains(breaks[1].Message, "--include secret/istio-system/istio-remote-secret-spoke") {
		t.Errorf("spoke alone: %+v", breaks)
	}
}

// TestLeftBehindNamesWhyACreatedNamespaceStayed: istio-system that meshwiz
// created, kept by the run because a user's object appeared in it, is not
// reported as "not created by meshwiz".
func TestLeftBehindNamesWhyACreatedNamespaceStayed(t *testing.T) {
	before := fake(&Cluster{Context: "a", Name: "a", HasRecord: true, Objects: []Object{
		{Category: CatNamespace, Kind: "Namespace", Name: install.Namespace, Action: Remove, Reason: ReasonRecord},
	}})
	blocker := Object{Category: CatContent, Kind: "ConfigMap", Namespace: install.Namespace, Name: "late", Action: Keep, Reason: ReasonNotOurs}
	after := fake(&Cluster{Context: "a", Name: "a", Objects: []Object{
		{Category: CatNamespace, Kind: "Namespace", Name: install.Namespace, Action: Keep, Reason: ReasonNotOurs},
	}, Blockers: []Object{blocker}})
	left := strings.Join(LeftBehindLines(before, after), "\n")
	if !strings.Contains(left, "a: kept Namespace istio-system: meshwiz created it, but kept it: it holds objects meshwiz did not create (ConfigMap late)") ||
		strings.Contains(left, "Namespace istio-system: "+ReasonNotOurs) {
		t.Errorf("left behind:\n%s", left)
	}
}
