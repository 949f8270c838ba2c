package mesh

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("testdata examples: %v %v", files, err)
	}
	return files
}

func TestExamplesParseDefaultValidateRoundTrip(t *testing.T) {
	for _, file := range examples(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c) // as written
			c.Default()
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate:\n%v", err)
			}
			roundTrip(t, c) // defaulted

			again := clone(t, c)
			again.Default()
			if !reflect.DeepEqual(again, c) {
				t.Errorf("Default is not idempotent:\n%+v\n%+v", again, c)
			}
		})
	}
}

// roundTrip checks that Parse(Marshal(c)) equals c.
func roundTrip(t *testing.T, c *Config) {
	t.Helper()
	if back := clone(t, c); !reflect.DeepEqual(back, c) {
		out, _ := c.Marshal()
		t.Errorf("round trip changed the config:\n got %+v\nwant %+v\nYAML:\n%s", back, c, out)
	}
}

func clone(t *testing.T, c *Config) *Config {
	t.Helper()
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
	}
	return back
}

// TestDocExample parses the YAML in the package comment, so the documented
// format cannot drift from the code.
func TestDocExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for line := range strings.Lines(string(src)) {
		if s, ok := strings.CutPrefix(line, "//\t"); ok {
			b.WriteString(s)
		}
	}
	c, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	c.Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Model != PrimaryRemote || len(c.Clusters) != 2 || c.Clusters[1].Primary != "east" || c.Istio.Tag != "1.32.1-distroless" {
		t.Errorf("doc example parsed as %+v", c)
	}
}

func TestMarshalKeepsFieldOrderAndQuotesVersions(t *testing.T) {
	c := &Config{Clusters: []Cluster{{Context: "kind-a"}}}
	c.Default()
	c.Istio.Version = "1.30"
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	order := []string{"apiVersion:", "kind:", "meshID:", "model:", "istio:", "clusters:", "security:", "eastWestGateway:"}
	last := -1
	for _, key := range order {
		i := strings.Index(s, "\n"+key)
		if key == "apiVersion:" {
			i = strings.Index(s, key)
		}
		if i <= last {
			t.Fatalf("%s out of order in\n%s", key, s)
		}
		last = i
	}
	if !strings.Contains(s, `version: "1.30"`) {
		t.Errorf("version not quoted:\n%s", s)
	}
	for _, omitted := range []string{"tag:", "primary:", "server:", "repoURL:", "externalIPs:", "{", "\"meshwiz"} {
		if strings.Contains(s, omitted) {
			t.Errorf("output contains %q:\n%s", omitted, s)
		}
	}
}

const head = "apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\n"

func TestParseErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // each must appear in the error
	}{
		{"typo in meshID", head + "meshId: m\n", []string{"meshId: is not a field, on line 3", "did you mean meshID?"}},
		{"typo in a cluster", head + "clusters:\n  - context: a\n  - contxt: b\n", []string{"clusters[1].contxt: is not a field, on line 5", "did you mean context?"}},
		{"far-off field", head + "flavour: x\n", []string{"flavour: is not a field", "known fields here: apiVersion, kind, meshID"}},
		{"nested unknown", head + "security:\n  ca:\n    kind: x\n", []string{"security.ca.kind: is not a field"}},
		{"clusters: foo", head + "clusters: foo\n", []string{`clusters: is the string "foo", not a list of mappings, on line 3`, `starting with "- "`}},
		{"cluster is a string", head + "clusters: [a]\n", []string{`clusters[0]: is the string "a", not a mapping`}},
		{"number for string", head + "istio:\n  version: 1.30\n", []string{"istio.version: is the number 1.30, not a string, on line 4", `quote it: version: "1.30"`}},
		{"bool for string", head + "clusters:\n  - context: a\n    name: true\n", []string{"clusters[0].name: is the boolean true"}},
		{"number in a list", head + "clusters:\n  - context: a\n    injectNamespaces: [ns, 7]\n", []string{"clusters[0].injectNamespaces[1]: is the number 7", `quote it: - "7"`}},
		{"list for string", head + "meshID: [a]\n", []string{"meshID: is a list, not a string"}},
		{"mapping for list", head + "eastWestGateway:\n  externalIPs: {a: b}\n", []string{"eastWestGateway.externalIPs: is a mapping, not a list of strings"}},
		{"string for mapping", head + "istio: latest\n", []string{`istio: is the string "latest", not a mapping`, "version, hub, tag, charts"}},
		{"repeated field", head + "meshID: a\nmeshID: b\n", []string{"meshID: is set twice, on lines 3 and 4"}},
		{"wrong apiVersion", "apiVersion: v1\nkind: Mesh\n", []string{`apiVersion: is "v1", not meshwiz.dev/v1alpha1`}},
		{"missing apiVersion", "kind: Mesh\n", []string{"apiVersion: is missing", "start the file with apiVersion: meshwiz.dev/v1alpha1"}},
		{"wrong kind", "apiVersion: meshwiz.dev/v1alpha1\nkind: Pod\n", []string{`kind: is "Pod", not Mesh`}},
		{"empty file", "", []string{"no mesh in the file"}},
		{"comment only", "# nothing\n", []string{"no mesh in the file"}},
		{"not a mapping", "- a\n", []string{"line 1: the file is a list, not a mesh"}},
		{"two documents", head + "---\n" + head, []string{"line 3: a second YAML document"}},
		{"syntax error", head + "clusters:\n  - context: a\n   name: b\n", []string{"yaml: line"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", c)
			}
			if c != nil {
				t.Error("Parse returned a config with an error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\ndoes not contain %q", err, want)
				}
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("apiVersion: x\nkind: Mesh\nmeshId: a\nclusters:\n  - contxt: a\n"))
	fes := FieldErrors(err)
	var fields []string
	for _, fe := range fes {
		fields = append(fields, fe.Field)
	}
	want := []string{"meshId", "clusters[0].contxt", "apiVersion"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("fields %v, want %v (%v)", fields, want, err)
	}
}

func TestParseNullAndAliases(t *testing.T) {
	c, err := Parse([]byte(head + "meshID:\nistio: ~\nclusters:\n  - context: a\n    injectNamespaces: &ns [x, y]\n  - context: b\n    injectNamespaces: *ns\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.MeshID != "" || !reflect.DeepEqual(c.Clusters[1].InjectNamespaces, []string{"x", "y"}) {
		t.Errorf("got %+v", c)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "mesh.yaml")
	if err := os.WriteFile(bad, []byte(head+"meshId: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.yaml")} {
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Load(%s) = %v, want an error naming the file", path, err)
		}
	}
	_, err := Load(bad)
	if fes := FieldErrors(err); len(fes) != 1 || fes[0].Field != "meshId" {
		t.Errorf("FieldErrors through Load's wrapping = %v", fes)
	}
}
