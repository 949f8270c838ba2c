package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The wizard stays in files of at most about 400 lines (one file per
// screen; views and helpers split by concern), as the house style asks.
func TestNoSourceFileOver400Lines(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(data), "\n"); n > 400 {
			t.Errorf("%s has %d lines; split it by concern (at most 400)", f, n)
		}
	}
}
