package steps

import (
	"strings"
	"unicode/utf8"
)

// Grid renders a square table of clusters for a text report: names head
// the columns and the rows, corner stands above the row names, and cells[i][j]
// is row i's entry in column j. Every column is as wide as the widest entry
// in runes (at least minWidth), columns two spaces apart, lines without
// trailing spaces.
func Grid(corner string, minWidth int, names []string, cells [][]string) []string {
	width := utf8.RuneCountInString
	w := max(minWidth, width(corner))
	for i, n := range names {
		w = max(w, width(n))
		for _, c := range cells[i] {
			w = max(w, width(c))
		}
	}
	line := func(first string, rest []string) string {
		var b strings.Builder
		b.WriteString(first + strings.Repeat(" ", max(0, w-width(first))))
		for _, s := range rest {
			b.WriteString("  " + s + strings.Repeat(" ", max(0, w-width(s))))
		}
		return strings.TrimRight(b.String(), " ")
	}
	lines := []string{line(corner, names)}
	for i, n := range names {
		lines = append(lines, line(n, cells[i]))
	}
	return lines
}
