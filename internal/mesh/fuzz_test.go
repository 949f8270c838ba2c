package mesh

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds Parse, Default and Validate arbitrary mesh files: they must
// never panic, and an error stays short whatever the input (the problem
// count and echoed values are capped).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"", "---", "[]", "apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\n---\nkind: Mesh\n",
		"apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nclusters: [{context: a, name: Kubernetes}, {context: a}]\n",
		"apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nmeshID: " + strings.Repeat("x", 5000) + "\n",
		"apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\n? [a]\n: b\n",
		"apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nclusters: &c [*c]\n",
		"apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nsecurity: {ca: {mode: existing, dir: ../ca}}\n",
		aliasBomb(),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if n := len(err.Error()); n > 64<<10 {
				t.Fatalf("a Parse error of %d bytes", n)
			}
			return
		}
		c.Default()
		if err := c.Validate(); err != nil && len(err.Error()) > 64<<10 {
			t.Fatalf("a Validate error of %d bytes", len(err.Error()))
		}
	})
}
