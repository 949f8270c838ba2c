package steps

import (
	"strings"
	"testing"
)

// Grid lays out the checks' overlap matrix and verify's reach matrix: the
// widest entry (in runes, at least minWidth) sets every column's width, so
// an arrow or a check mark lines up like any other character.
func TestGrid(t *testing.T) {
	for _, c := range []struct {
		name, corner string
		min          int
		names        []string
		cells        [][]string
		want         string
	}{
		{"overlap", "", 7, []string{"east", "west-long-name", "n"},
			[][]string{{"-", "OVERLAP", "ok"}, {"OVERLAP", "-", "ok"}, {"unknown", "ok", "-"}},
			"                east            west-long-name  n\neast            -               OVERLAP         ok\nwest-long-name  OVERLAP         -               ok\nn               unknown         ok              -"},
		{"reach", "proxies in ↓", 0, []string{"east", "west"},
			[][]string{{"local", "gateway 1.2.3.4:15443"}, {"not read", "local"}},
			"proxies in ↓           east                   west\neast                   local                  gateway 1.2.3.4:15443\nwest                   not read               local"},
		{"reach-narrow", "proxies in ↓", 0, []string{"a", "b"},
			[][]string{{"local", "direct"}, {"direct", "local"}},
			"proxies in ↓  a             b\na             local         direct\nb             direct        local"},
		{"marks", "", 0, []string{"ab", "cd"},
			[][]string{{"✓", "✓✓✓"}, {"✗", "✓"}},
			"     ab   cd\nab   ✓    ✓✓✓\ncd   ✗    ✓"},
	} {
		if got := strings.Join(Grid(c.corner, c.min, c.names, c.cells), "\n"); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
