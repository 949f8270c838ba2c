package kube_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// A context entry without a name (found by FuzzKubeconfig: "contexts:\n-")
// cannot be selected: an empty name means the current context, here another
// one. It is not listed; a file with only such entries has no contexts.
func TestNamelessContextIsNotListed(t *testing.T) {
	dir := isolate(t)
	path := filepath.Join(dir, "kubeconfig")
	body := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
contexts:
- context: {cluster: c}
- name: x
  context: {cluster: c}
current-context: x
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	l := kube.Loader{Kubeconfig: path}
	cs, err := l.Contexts()
	if err != nil {
		t.Fatal(err)
	}
	if got := names(cs); !slices.Equal(got, []string{"x"}) {
		t.Errorf("contexts %q, want only x: a nameless one cannot be selected", got)
	}
	for _, c := range cs {
		if got, err := l.Context(c.Name); err != nil || got.Name != c.Name {
			t.Errorf("listed context %q looks up as %q, %v", c.Name, got.Name, err)
		}
	}

	only := filepath.Join(dir, "only-nameless")
	if err := os.WriteFile(only, []byte("contexts:\n-\ncurrent-context: A\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (kube.Loader{Kubeconfig: only}).Contexts(); err == nil || !strings.Contains(err.Error(), "defines no contexts") {
		t.Errorf("only a nameless context: %v, want \"defines no contexts\"", err)
	}
}
