package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	xgolden "github.com/charmbracelet/x/exp/golden"
)

// A test binary that links both golden helpers (the wizard's frames test
// does, through teatest) has one -update flag, and it drives both.
func TestOneUpdateFlagDrivesBoth(t *testing.T) {
	if flag.Lookup("update") == nil {
		t.Fatal("no -update flag is registered")
	}
	t.Chdir(t.TempDir())
	if err := flag.Set("update", "true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flag.Set("update", "false") })

	CheckTest(t, []byte("ours\n"))
	xgolden.RequireEqual(t, "theirs\n") // rewrites the same file
	got, err := os.ReadFile(filepath.Join("testdata", t.Name()+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "theirs\n" {
		t.Errorf("the golden file holds %q, want the second helper's %q", got, "theirs\n")
	}

	_ = flag.Set("update", "false")
	Check(t, t.Name()+".golden", []byte("theirs\n"))
}
