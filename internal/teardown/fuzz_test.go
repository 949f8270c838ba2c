package teardown

import (
	"strings"
	"testing"
)

// FuzzParseInclude feeds --include arbitrary values: no panic, a short error
// whatever the input, and an accepted value names a kind and an object.
func FuzzParseInclude(f *testing.F) {
	for _, seed := range []string{"configmap/istio-system/old-config", "clusterrole/istio-reader", "a/b/c/d", "/x", "cm/ns/", "cm/NS/x", "cm/ns/..", strings.Repeat("a/", 5000)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in, err := ParseInclude(s)
		if err != nil {
			if len(err.Error()) > 600 {
				t.Fatalf("an error of %d bytes", len(err.Error()))
			}
			return
		}
		if in.Kind == "" || in.Name == "" || strings.Contains(in.Name, "/") || strings.Contains(in.Namespace, "/") {
			t.Fatalf("ParseInclude(%q) accepted %+v", s, in)
		}
	})
}
