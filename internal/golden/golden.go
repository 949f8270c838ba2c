// Package golden compares test output with a file under the package's
// testdata directory. `go test -update` rewrites the files instead.
//
// The -update flag is the one github.com/charmbracelet/x/exp/golden
// registers (teatest compares through that package, so a test binary that
// links both would otherwise define the flag twice): importing it here makes
// sure the flag exists, whichever of the two a test binary uses.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/charmbracelet/x/exp/golden" // registers -update
)

// updating reports whether the test binary runs with -update.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Check fails t unless got equals testdata/name byte for byte; with -update
// it writes got there first (creating the directories).
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// CheckTest is Check with the file named after the test:
// testdata/<t.Name()>.golden, subtests in a directory of the test's name.
func CheckTest(t testing.TB, got []byte) {
	t.Helper()
	Check(t, t.Name()+".golden", got)
}
