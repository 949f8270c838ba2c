package certs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A brought CA whose keys group or others may read gets one warning per key,
// naming the file and the chmod that fixes it; 0600 keys get none.
func TestKeyPermissionWarnings(t *testing.T) {
	dir := t.TempDir()
	if _, _, _, err := EnsureDir(dir, []string{"east"}, Options{KeyBits: MinKeyBits}); err != nil {
		t.Fatal(err)
	}
	if got := KeyPermissionWarnings(dir, []string{"east", "west"}); len(got) != 0 {
		t.Fatalf("0600 keys (west missing): %q, want no warning", got)
	}
	rootKey, eastKey := filepath.Join(dir, RootKeyFile), filepath.Join(dir, "east", CAKeyFile)
	for _, c := range []struct {
		path string
		mode os.FileMode
		who  string
	}{{rootKey, 0o644, "group and others"}, {eastKey, 0o640, "its group"}} {
		if err := os.Chmod(c.path, c.mode); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(KeyPermissionWarnings(dir, []string{"east"}), "\n")
		for _, want := range []string{c.path + " is readable by " + c.who, "chmod 600 " + c.path} {
			if !strings.Contains(got, want) {
				t.Errorf("mode %04o: warnings %q lack %q", c.mode, got, want)
			}
		}
	}
	if got := KeyPermissionWarnings(dir, []string{"east"}); len(got) != 2 {
		t.Errorf("two loose keys: %d warnings, want 2: %q", len(got), got)
	}
}
