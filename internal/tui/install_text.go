package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// Text shared by the review, install and summary screens: durations and the
// config snapshot the Cmds work on.

// installDuration renders a step's duration in at most 5 cells: "0.4s",
// "12s", "2m05s", "12m", "1h05m".
func installDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 10*time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// installSnapshot deep-copies cfg, so a Cmd (saving, exporting, preparing
// certificates, the install run) works on the config as it was when it
// started, whatever the other screens change later.
func installSnapshot(cfg *mesh.Config) *mesh.Config {
	c := *cfg
	c.Clusters = slices.Clone(cfg.Clusters)
	for i := range c.Clusters {
		c.Clusters[i].ExternalIPs = slices.Clone(c.Clusters[i].ExternalIPs)
		c.Clusters[i].InjectNamespaces = slices.Clone(c.Clusters[i].InjectNamespaces)
	}
	c.EastWestGateway.ExternalIPs = slices.Clone(cfg.EastWestGateway.ExternalIPs)
	return &c
}

// installKeyBits is the RSA key size the wizard generates CA keys with.
func installKeyBits(s *session) int {
	if s.opts.KeyBits > 0 {
		return s.opts.KeyBits
	}
	return certs.DefaultKeyBits
}

// installSetupCommand is the command line that replays the saved mesh config
// without the wizard.
func installSetupCommand(s *session, path string) string {
	cmd := "meshwiz setup --config " + installQuote(path) + " --yes"
	if s.allowLoopback {
		cmd += " --allow-loopback-servers"
	}
	if s.opts.KeyBits > 0 && s.opts.KeyBits != certs.DefaultKeyBits {
		cmd += fmt.Sprintf(" --ca-key-size %d", s.opts.KeyBits)
	}
	return cmd
}

// installContextFlags is "--context a --context b" for every cluster of cfg.
func installContextFlags(cfg *mesh.Config) string {
	var b strings.Builder
	for i, cl := range cfg.Clusters {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("--context " + installQuote(cl.Context))
	}
	return b.String()
}

// installQuote quotes s for a POSIX shell when it needs it.
func installQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// installWidth is the width of s in cells; plain ASCII (the usual case for
// step labels, names and durations) is counted without the grapheme walk.
func installWidth(s string) int {
	if installASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

// installClip cuts plain text s to width cells, marking the cut with "…".
func installClip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if installASCII(s) {
		if len(s) <= width {
			return s
		}
		return s[:width-1] + "…"
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// installASCII reports whether s is printable ASCII without escapes: one
// cell per byte.
func installASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

// installPad clips plain text s to width cells and pads it with spaces to
// exactly width.
func installPad(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if installASCII(s) {
		if len(s) > width {
			return s[:width-1] + "…"
		}
		return s + installSpaces(width-len(s))
	}
	s = installClip(s, width)
	return s + installSpaces(width-ansi.StringWidth(s))
}

// installBlank is a line of spaces to slice padding from.
var installBlank = strings.Repeat(" ", 512)

// installSpaces returns n spaces.
func installSpaces(n int) string {
	if n <= len(installBlank) {
		return installBlank[:max(n, 0)]
	}
	return strings.Repeat(" ", n)
}

// installPadLeft right-aligns plain text s in width cells.
func installPadLeft(s string, width int) string {
	if n := width - installWidth(s); n > 0 {
		return installSpaces(n) + s
	}
	return s
}

// installWrapCommand wraps a command line to width cells at spaces only (a
// flag like --ca-key-size or a path like istio-system/meshwiz-record stays
// whole; a word longer than a line is cut). The first line starts with
// prefix, the others with indent; both count.
func installWrapCommand(prefix, cmd string, width int, indent string) []string {
	var lines []string
	cur := prefix
	room := max(width-installWidth(prefix), 10) // cells left for words on the current line
	next := max(width-installWidth(indent), 10)
	words, used := "", 0
	for _, w := range strings.Fields(cmd) {
		ww := installWidth(w)
		if words != "" && used+1+ww <= room {
			words += " " + w
			used += 1 + ww
			continue
		}
		if words != "" {
			lines = append(lines, cur+words)
			cur, room = indent, next
		}
		words, used = w, ww
		if ww > room { // a word longer than a line
			parts := strings.Split(ansi.Hardwrap(w, room, false), "\n")
			for _, p := range parts[:len(parts)-1] {
				lines = append(lines, cur+p)
				cur, room = indent, next
			}
			words = parts[len(parts)-1]
			used = installWidth(words)
		}
	}
	if words != "" || len(lines) == 0 {
		lines = append(lines, cur+words)
	}
	return lines
}

// installWrap wraps prose to width cells at spaces only.
func installWrap(s string, width int) []string {
	return installWrapCommand("", s, width, "")
}

// installHead returns at most n of lines, marking a cut with "…" within
// width cells.
func installHead(lines []string, n, width int) []string {
	if len(lines) <= n {
		return lines
	}
	out := slices.Clone(lines[:n])
	out[n-1] = ansi.Truncate(out[n-1], max(width-1, 0), "") + "…"
	return out
}

// installScrollKeys shows one "↑/↓ scroll" entry in the help for a
// scrollable screen (the help line has room for little at 80 columns);
// the screens match the arrows with the full bindings.
func installScrollKeys(k *KeyMap, scrollable bool) {
	k.Up.SetEnabled(scrollable)
	k.Up.SetHelp("↑/↓", "scroll")
	k.Down.SetEnabled(false)
}
