package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// teardownDoc is the teardown JSON document as a consumer decodes it.
type teardownDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	Result        string `json:"result"`
	PurgeCRDs     bool   `json:"purgeCRDs"`
	Clusters      []struct {
		Context   string      `json:"context"`
		Name      string      `json:"name"`
		MeshID    string      `json:"meshID"`
		Reachable bool        `json:"reachable"`
		HasRecord bool        `json:"hasRecord"`
		Objects   []docObject `json:"objects"`
	} `json:"clusters"`
	Preview []struct {
		Kind    string `json:"kind"`
		Cluster string `json:"cluster"`
		Message string `json:"message"`
	} `json:"preview"`
	Run *struct {
		SchemaVersion int         `json:"schemaVersion"`
		Results       []docResult `json:"results"`
	} `json:"run"`
	LeftBehind []struct {
		Cluster string `json:"cluster"`
		State   string `json:"state"`
		Object  string `json:"object"`
		Reason  string `json:"reason"`
	} `json:"leftBehind"`
}

type docObject struct {
	Category string `json:"category"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Action   string `json:"action"`
	Reason   string `json:"reason"`
}

type docResult struct {
	ID      string `json:"id"`
	Cluster string `json:"cluster"`
	Status  string `json:"status"`
}

func decodeTeardown(t *testing.T, out string) teardownDoc {
	t.Helper()
	var doc teardownDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("teardown -o json is not one JSON document: %v\n%s", err, out)
	}
	if doc.SchemaVersion != 1 {
		t.Errorf("schemaVersion %d, want 1", doc.SchemaVersion)
	}
	return doc
}

func TestTeardownUsageErrors(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "teardown", "--kubeconfig", b.Kubeconfig)
	r.wantCode(t, exitUsage)
	for _, want := range []string{"name the clusters to tear down", "--context", "--config", "--all-from-record"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("no clusters named: stderr lacks %q: %s", want, r.errOut)
		}
	}
	r = meshwiz(t, "teardown", "--kubeconfig", b.Kubeconfig, "--context", "east", "--include", "configmap")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, `--include "configmap"`) || !strings.Contains(r.errOut, "KIND/NAMESPACE/NAME") {
		t.Errorf("bad --include: %s", r.errOut)
	}
	r = meshwiz(t, "teardown", "--kubeconfig", b.Kubeconfig, "--context", "nope")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, `context "nope" not found`) || r.out != "" {
		t.Errorf("unknown context: stdout %q stderr %q", r.out, r.errOut)
	}
}

// teardownRemovesTheMesh runs on the mesh setupInstalls made from cfg: a
// dry run changes nothing; without --yes and a terminal teardown refuses;
// --yes -o json removes it all and reports the documented document; a
// second run says nothing is left.
func teardownRemovesTheMesh(t *testing.T, b *testbed.Bed, cfg string) {
	kc := []string{"--kubeconfig", b.Kubeconfig}
	east := b.Cluster("east").Clientset()
	ctx := t.Context()
	token, err := b.Cluster("west").Clientset().CoreV1().Secrets("istio-system").Get(ctx, "istio-reader-service-account-istio-remote-secret-token", metav1.GetOptions{})
	if err != nil || len(token.Data["token"]) == 0 {
		t.Fatalf("west's reader token: %v", err)
	}
	installed := func(want bool) {
		t.Helper()
		for _, c := range b.Clusters {
			_, err := c.Clientset().CoreV1().ConfigMaps("istio-system").Get(ctx, "meshwiz-record", metav1.GetOptions{})
			if want && err != nil || !want && !apierrors.IsNotFound(err) {
				t.Fatalf("%s: meshwiz-record: %v (want it there: %v)", c.Name, err, want)
			}
		}
	}

	r := meshwiz(t, append([]string{"teardown", "--config", cfg, "--dry-run"}, kc...)...)
	r.wantCode(t, exitOK)
	for _, want := range []string{"Cluster east (mesh mesh1)", "remove  Helm release istio-system/istiod", "remove  Secret istio-system/istio-remote-secret-west",
		"keep    15 Istio CRDs", "Dry run: nothing was changed."} {
		if !strings.Contains(r.out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.out)
		}
	}
	installed(true)
	if _, err := east.AppsV1().Deployments("istio-system").Get(ctx, "istiod", metav1.GetOptions{}); err != nil {
		t.Fatalf("the dry run removed istiod: %v", err)
	}

	r = meshwiz(t, append([]string{"teardown", "--all-from-record", "--dry-run", "-o", "json"}, kc...)...)
	r.wantCode(t, exitOK)
	doc := decodeTeardown(t, r.out)
	if doc.Result != "dry-run" || len(doc.Clusters) != 2 || doc.Run != nil {
		t.Errorf("--all-from-record dry run: result %q, %d clusters, run %v", doc.Result, len(doc.Clusters), doc.Run)
	}

	r = meshwiz(t, append([]string{"teardown", "--context", "east", "--context", "west"}, kc...)...)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "pass --yes") {
		t.Errorf("without --yes: %s", r.errOut)
	}
	installed(true)

	r = meshwiz(t, append([]string{"teardown", "--context", "east", "--context", "west", "--yes", "-o", "json"}, kc...)...)
	r.wantCode(t, exitOK)
	doc = decodeTeardown(t, r.out)
	if doc.Result != "done" || doc.PurgeCRDs || len(doc.Clusters) != 2 || doc.Run == nil || doc.Run.SchemaVersion != 1 {
		t.Fatalf("teardown -o json: %+v", doc)
	}
	for _, c := range doc.Clusters {
		if !c.Reachable || !c.HasRecord || c.MeshID != "mesh1" || !slices.ContainsFunc(c.Objects, func(o docObject) bool {
			return o.Category == "release" && o.Name == "istiod" && o.Action == "remove"
		}) {
			t.Errorf("cluster %s in the document: %+v", c.Context, c)
		}
	}
	for _, ctxName := range []string{"east", "west"} {
		i := slices.IndexFunc(doc.Run.Results, func(x docResult) bool {
			return x.ID == "teardown/istiod" && x.Cluster == ctxName
		})
		if i < 0 || doc.Run.Results[i].Status != "passed" {
			t.Errorf("%s: teardown/istiod not passed in %+v", ctxName, doc.Run.Results)
		}
	}
	if len(doc.LeftBehind) == 0 || doc.LeftBehind[0].State != "kept" || !strings.Contains(doc.LeftBehind[0].Reason, "--purge-crds") {
		t.Errorf("left behind: %+v", doc.LeftBehind)
	}
	if strings.Contains(r.out, string(token.Data["token"])) || strings.Contains(r.out, "BEGIN") {
		t.Error("the JSON document holds secret data")
	}
	installed(false)
	if _, err := east.CoreV1().Namespaces().Get(ctx, "istio-system", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("east's istio-system: %v", err)
	}

	r = meshwiz(t, append([]string{"teardown", "--context", "east", "--context", "west", "--yes"}, kc...)...)
	r.wantCode(t, exitOK)
	for _, want := range []string{"Cluster east: nothing of the mesh left", "Cluster west: nothing of the mesh left", "Nothing to tear down."} {
		if !strings.Contains(r.out, want) {
			t.Errorf("second teardown lacks %q:\n%s", want, r.out)
		}
	}
	r = meshwiz(t, append([]string{"teardown", "--all-from-record", "--yes"}, kc...)...)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.out, "No kubeconfig context holds a meshwiz record") {
		t.Errorf("--all-from-record without records: %s", r.out)
	}
}

// teardownPurgesCRDs: --purge-crds removes the mesh the clusters hold and
// Istio's CRDs, and leaves nothing behind.
func teardownPurgesCRDs(t *testing.T, b *testbed.Bed) {
	ctx := t.Context()
	r := meshwiz(t, "teardown", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west", "--purge-crds", "--yes")
	r.wantCode(t, exitOK)
	for _, want := range []string{"remove  15 Istio CRDs", "Istio's CRDs are deleted (15)", "Left behind:", "  east: nothing", "  west: nothing"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("purge lacks %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.errOut, "[east] ✓ Istio's CRDs are deleted (15)") {
		t.Errorf("purge progress: %s", r.errOut)
	}
	dyn, err := dynamic.NewForConfig(b.Cluster("east").RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	crds, err := dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range crds.Items {
		if strings.HasSuffix(c.GetName(), ".istio.io") {
			t.Errorf("east: CRD %s survived --purge-crds", c.GetName())
		}
	}
}
