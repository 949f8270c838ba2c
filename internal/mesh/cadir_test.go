package mesh

import (
	"os"
	"path/filepath"
	"testing"
)

// Load resolves a relative security.ca.dir, set or defaulted, from the mesh
// file's directory (as kubectl and helm resolve paths in their files), not
// from the working directory; an absolute one stays as written.
func TestLoadResolvesCADirFromTheFilesDirectory(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	head := "apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nclusters:\n  - context: a\n"
	for _, c := range []struct{ name, ca, want string }{
		{"relative", "security:\n  ca:\n    dir: ./certs\n", filepath.Join(conf, "certs")},
		{"parent", "security:\n  ca:\n    dir: ../shared/certs\n", filepath.Join(filepath.Dir(conf), "shared", "certs")},
		{"absolute", "security:\n  ca:\n    dir: /etc/meshwiz/certs\n", "/etc/meshwiz/certs"},
		{"default", "", filepath.Join(conf, "meshwiz-certs")},
	} {
		path := filepath.Join(conf, c.name+".yaml")
		if err := os.WriteFile(path, []byte(head+c.ca), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Default()
		if got := cfg.Security.CA.Dir; got != c.want {
			t.Errorf("%s: security.ca.dir %q, want %q", c.name, got, c.want)
		}
	}
}
