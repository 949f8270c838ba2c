package testbed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A built program named by its environment variable is vetted (the error
// names the variable), resolved, and remembered for the process.
func TestBuiltOnceFromEnv(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	exe := filepath.Join(dir, "pilot-discovery")
	link := filepath.Join(dir, "link")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	const env = "MESHWIZ_TEST_BUILT_ONCE"
	b := &builtOnce{env: env, script: "no-such-script.sh", check: checkIstiodBinary}

	t.Setenv(env, plain)
	_, err := b.get()
	if want := "testbed: $" + env + ": " + plain + " is not an executable pilot-discovery"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	t.Setenv(env, link)
	got, err := b.get()
	if err != nil || got != exe {
		t.Fatalf("got %q, %v; want the resolved %q", got, err, exe)
	}
	t.Setenv(env, plain)
	if again, err := b.get(); err != nil || again != exe {
		t.Errorf("second call: got %q, %v; want the remembered %q", again, err, exe)
	}
	if strings.Contains(got, "link") {
		t.Errorf("the path %q is not resolved", got)
	}
}
