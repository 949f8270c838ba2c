package tui

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// TestSmokeContextsScreen runs the wizard in a real tea.Program on a
// kubeconfig with two loopback contexts: one whose server is a closed port
// and one whose server is an httptest TLS server answering /version, with
// its CA in the kubeconfig.
func TestSmokeContextsScreen(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	live, ca := versionServer(t, "v1.34.4")
	l := kubeconfigFile(t, map[string]string{"dead": testbed.ClosedURL(t), "live": live.URL}, ca)

	tm := teatest.NewTestModel(t, New(Options{Loader: l, ProbeTimeout: 5 * time.Second}),
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))

	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return strings.Contains(ansi.Strip(string(b)), "Guided setup")
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // guided setup

	var out []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		out = b
		s := ansi.Strip(string(b))
		return strings.Contains(s, "v1.34.4") && strings.Contains(s, "connection refused")
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	if sgr := colourSGR(out); sgr != "" {
		t.Errorf("the ASCII profile (what NO_COLOR selects) still drew colour: %q", sgr)
	}

	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	v := view(final)
	if row := line(final, "live"); !strings.Contains(row, GlyphOK+" v1.34.4") || !strings.Contains(row, live.URL) {
		t.Errorf("live row = %q, want ✓ v1.34.4 and its server", row)
	}
	if row := line(final, "dead"); !strings.Contains(row, GlyphFail+" connection refused") {
		t.Errorf("dead row = %q, want ✗ connection refused", row)
	}
	if strings.Contains(v, "probing") {
		t.Errorf("a probe never finished:\n%s", v)
	}
}

// colourSGR returns the first SGR sequence in b that sets a foreground or
// background colour, or "".
func colourSGR(b []byte) string {
	for _, m := range sgrRE.FindAllSubmatch(b, -1) {
		for p := range strings.SplitSeq(string(m[1]), ";") {
			if n, err := strconv.Atoi(p); err == nil && (n >= 30 && n <= 49 || n >= 90 && n <= 107) {
				return string(m[0])
			}
		}
	}
	return ""
}

var sgrRE = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)
