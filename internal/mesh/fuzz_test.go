package mesh

import (
	"net/url"
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

// FuzzFlagValues feeds the rules behind --server and --name (and the mesh
// file's clusters[].server and clusters[].name) arbitrary values: they never
// panic, an accepted server is an https:// URL without a password, and an
// error never echoes more than a bounded part of the value.
func FuzzFlagValues(f *testing.F) {
	for _, seed := range []string{"https://10.0.0.1:6443", "http://x", "https://u:p@h", "east", "Kubernetes", "", "https://", "https://[::1", strings.Repeat("a", 10000)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckServer(s); err == nil {
			if u, perr := url.Parse(s); perr != nil || u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
				t.Fatalf("CheckServer accepted %q", s)
			}
		} else if len(err.Error()) > 4*maxEcho+200 {
			t.Fatalf("CheckServer(%d bytes) error of %d bytes", len(s), len(err.Error()))
		}
		if err := CheckName(s); err == nil && (len(s) > maxLabel || strings.EqualFold(s, reservedName)) {
			t.Fatalf("CheckName accepted %q", s)
		} else if err != nil && len(err.Error()) > 4*maxEcho+400 {
			t.Fatalf("CheckName(%d bytes) error of %d bytes", len(s), len(err.Error()))
		}
	})
}
