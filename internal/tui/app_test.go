package tui

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

func TestQuitCancelsAndQuits(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	m, cmd := updateCmd(m, press("q"))
	if cmd == nil {
		t.Fatal("q returned no Cmd")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("q sent %T, want tea.QuitMsg", cmd())
	}
	if m.ctx.Err() == nil {
		t.Error("quitting did not cancel the probes' context")
	}
	if v := view(m); strings.Contains(v, "q quit") || !strings.Contains(v, "north") {
		t.Errorf("the final frame should keep the list and drop the help:\n%s", v)
	}
}

func TestCtrlCInterrupts(t *testing.T) {
	m := sized(t, 80, 24)
	m, cmd := updateCmd(m, press("ctrl+c"))
	if cmd == nil {
		t.Fatal("ctrl+c returned no Cmd")
	}
	if _, ok := cmd().(tea.InterruptMsg); !ok {
		t.Errorf("ctrl+c sent %T, want tea.InterruptMsg (Run maps it to ErrAborted)", cmd())
	}
	if m.ctx.Err() == nil {
		t.Error("ctrl+c did not cancel the probes' context")
	}
}

func TestErrorState(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	m = update(t, m, errMsg{op: "installing istiod in east", err: errors.New("context deadline exceeded"), hint: "check the istiod pods"})

	v := view(m)
	for _, want := range []string{GlyphFail + " installing istiod in east failed", "context deadline exceeded", "hint: check the istiod pods", "Press q to quit.", "q quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("error state lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "space select") {
		t.Errorf("the error state offers the screen's keys:\n%s", v)
	}
	m = update(t, m, press("space"), press("j"))
	if got := contextsScreen(m).rows[1].selected; got {
		t.Error("keys reached the screen in the error state")
	}
	if _, cmd := updateCmd(m, press("q")); cmd == nil {
		t.Error("q does not quit the error state")
	}
}

func TestFrameHeightFollowsTerminal(t *testing.T) {
	m := update(t, sized(t, 80, 24), loadedMsg(testContexts...))
	if n := strings.Count(view(m), "\n") + 1; n > 24 {
		t.Errorf("frame has %d lines at 80x24", n)
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 12})
	checkFits(t, m, 80, 12)
	if !strings.HasPrefix(line(m, "north"), "›") {
		t.Errorf("the cursor row is not drawn at 80x12:\n%s", view(m))
	}
}

func TestColorProfileHonoursNO_COLOR(t *testing.T) {
	tty := []string{"TERM=xterm-256color", "TTY_FORCE=1"} // TTY_FORCE: treat io.Discard as a terminal
	for _, tt := range []struct {
		name string
		env  []string
		want colorprofile.Profile
	}{
		{"colour terminal", tty, colorprofile.ANSI256},
		{"NO_COLOR=1", append(tty, "NO_COLOR=1"), colorprofile.ASCII},
		{"NO_COLOR=yes (any non-empty value counts)", append(tty, "NO_COLOR=yes"), colorprofile.ASCII},
		{"NO_COLOR empty", append(tty, "NO_COLOR="), colorprofile.ANSI256},
		{"not a terminal", []string{"TERM=xterm-256color", "NO_COLOR=1"}, colorprofile.NoTTY},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := colorProfile(io.Discard, tt.env); got != tt.want {
				t.Errorf("colorProfile(%v) = %v, want %v", tt.env, got, tt.want)
			}
		})
	}
}

// runWith runs Run on a kubeconfig with one unreachable context, reading
// keys from input, and returns its error. (The output is not a terminal, so
// Bubble Tea draws nothing on it: the smoke test looks at the screen.)
func runWith(t *testing.T, ctx context.Context, input io.Reader) error {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("NO_COLOR", "1")
	l := kubeconfigFile(t, map[string]string{"dead": testbed.ClosedURL(t)}, nil)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Loader: l, Input: input, Output: io.Discard, ProbeTimeout: time.Second})
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	return nil
}

// typeLater returns a terminal input that types keys once the program has
// had time to start, then stays idle until the test ends.
func typeLater(t *testing.T, keys string) io.Reader {
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	if keys != "" {
		go func() {
			time.Sleep(300 * time.Millisecond)
			w.Write([]byte(keys)) //nolint:errcheck // fails only once the test is over
		}()
	}
	return r
}

func TestRunQuitReturnsNil(t *testing.T) {
	if err := runWith(t, t.Context(), typeLater(t, "q")); err != nil {
		t.Fatalf("Run after q = %v, want nil", err)
	}
}

func TestRunCtrlCReturnsErrAborted(t *testing.T) {
	err := runWith(t, t.Context(), typeLater(t, "\x03")) // ETX: ctrl+c in raw mode
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("Run after ctrl+c = %v, want ErrAborted", err)
	}
}

func TestRunCancelledReturnsErrAborted(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := runWith(t, ctx, typeLater(t, ""))
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("Run after its context was cancelled = %v, want ErrAborted", err)
	}
}

func TestCADirDefaultsUnderDir(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "./meshwiz-certs"},
		{Options{Dir: dir}, dir + "/meshwiz-certs"},
		{Options{Dir: dir, CADir: "/ca"}, "/ca"},
	} {
		s := newSession(context.Background(), tc.opts)
		s.choose([]kube.Context{{Name: "east"}})
		if got := s.cfg.Security.CA.Dir; got != tc.want {
			t.Errorf("%+v: CA dir %q, want %q", tc.opts, got, tc.want)
		}
	}
}
