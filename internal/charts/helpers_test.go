package charts

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	testKubeVersion = "v1.34.4"
	testNamespace   = "istio-system"
	testHub         = "example.test/istio"
	testTag         = "1.31.0"
)

// Each test loads its own chart: Render must not depend on sharing.
func mustLoad(t testing.TB, name string) *chart.Chart {
	t.Helper()
	ch, err := Load(Source{}, name)
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return ch
}

type rendered struct {
	manifest string
	objs     []*unstructured.Unstructured
}

// renders memoises render by chart, release and values: base takes seconds
// under -race and several tests look at the same output. Callers only read.
var renders sync.Map

// render renders an embedded chart and parses the manifest into objects.
func render(t *testing.T, name, release string, values map[string]any) (string, []*unstructured.Unstructured) {
	t.Helper()
	key := fmt.Sprintf("%s|%s|%v", name, release, values)
	if r, ok := renders.Load(key); ok {
		return r.(rendered).manifest, r.(rendered).objs
	}
	ch := mustLoad(t, name)
	start := time.Now()
	manifest, err := Render(ch, release, testNamespace, values, testKubeVersion)
	d := time.Since(start)
	if err != nil {
		t.Fatalf("Render(%s): %v", name, err)
	}
	t.Logf("rendered chart %s in %v (%d bytes)", name, d.Round(time.Millisecond), len(manifest))
	r := rendered{manifest, parse(t, manifest)}
	renders.Store(key, r)
	return r.manifest, r.objs
}

// parse splits a multi-document manifest and decodes every non-empty document.
func parse(t *testing.T, manifest string) []*unstructured.Unstructured {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	var objs []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("split manifest: %v", err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatalf("decode document: %v\n%s", err, doc)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetName() == "" {
			t.Fatalf("document without kind or name:\n%s", doc)
		}
		objs = append(objs, u)
	}
	if len(objs) == 0 {
		t.Fatal("manifest has no objects")
	}
	return objs
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// mustGet finds kind/name and converts it to the typed object T.
func mustGet[T any](t *testing.T, objs []*unstructured.Unstructured, kind, name string) *T {
	t.Helper()
	u := find(objs, kind, name)
	if u == nil {
		t.Fatalf("no %s %q rendered; have %s", kind, name, names(objs))
	}
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
		t.Fatalf("convert %s %s: %v", kind, name, err)
	}
	return out
}

func names(objs []*unstructured.Unstructured) string {
	s := make([]string, len(objs))
	for i, o := range objs {
		s[i] = o.GetKind() + "/" + o.GetName()
	}
	return strings.Join(s, ", ")
}

// images returns every container image in objs (containers, initContainers and
// ephemeralContainers at any depth), keyed by "kind/name".
func images(objs []*unstructured.Unstructured) map[string][]string {
	out := map[string][]string{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if k == "containers" || k == "initContainers" || k == "ephemeralContainers" {
					if list, ok := c.([]any); ok {
						for _, item := range list {
							if m, ok := item.(map[string]any); ok {
								img, _ := m["image"].(string)
								out[key] = append(out[key], img)
							}
						}
					}
				}
				walk(key, c)
			}
		case []any:
			for _, c := range v {
				walk(key, c)
			}
		}
	}
	for _, o := range objs {
		walk(o.GetKind()+"/"+o.GetName(), o.Object)
	}
	return out
}

func testCluster() ClusterValues {
	return ClusterValues{
		MeshID: "mesh1", ClusterName: "cluster1", Network: "network1",
		Hub: testHub, Tag: testTag,
	}
}

func testRemote() ClusterValues {
	return ClusterValues{
		MeshID: "mesh1", ClusterName: "cluster2", Network: "network2",
		Hub: testHub, Tag: testTag,
		Remote: true, ConfigCluster: true,
		RemotePilotAddress: "172.18.255.10",
		InjectionPath:      "/inject/cluster/cluster2/net/network2",
	}
}
