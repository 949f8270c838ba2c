package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terminal is a program running in a tmux pane of a private tmux server: a
// real pseudo-terminal of a fixed size. Keys are typed with send-keys and
// the screen is read back with capture-pane, as a person would see it.
type terminal struct {
	t        *testing.T
	socket   string // tmux -S: a private server, killed at cleanup
	exitFile string // the program's exit status, written by the pane's shell
}

// tmuxBinary finds tmux; hack/test.sh installs it when it is missing.
func tmuxBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal("tmux is not installed: the end-to-end test runs meshwiz in a tmux pane (hack/test.sh installs it with apt-get)")
	}
	return p
}

// startTerminal runs argv in a width×height pane with dir as working
// directory and env added to a minimal environment.
func startTerminal(t *testing.T, width, height int, dir string, env []string, argv ...string) *terminal {
	t.Helper()
	tmux := tmuxBinary(t)
	tmp := t.TempDir()
	term := &terminal{t: t, socket: filepath.Join(tmp, "tmux.sock"), exitFile: filepath.Join(tmp, "exit-status")}
	// The pane's environment is exactly this: no user tmux.conf, no colour
	// (capture-pane drops it anyway), a known TERM.
	base := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "NO_COLOR=1", "LANG=C.UTF-8"}
	// The pane's shell runs the program in the pane's terminal and then
	// writes its exit status to a file: tmux's own pane_dead_status can lag
	// behind the pane's terminal closing.
	program := strings.Join(append([]string{"env", "-i"}, quoteAll(append(base, env...))...), " ") + " " + strings.Join(quoteAll(argv), " ")
	cmd := program + "; echo $? > " + quoteAll([]string{term.exitFile})[0]
	run := exec.Command(tmux, "-S", term.socket, "-f", "/dev/null", "new-session", "-d", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height),
		"-c", dir, cmd)
	run.Env = append(os.Environ(), "TMUX=")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("starting tmux: %v\n%s", err, out)
	}
	term.tmux("set-option", "-g", "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", term.socket, "kill-server").Run() })
	return term
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys types keys: tmux key names ("Enter", "Space", "Down", "Escape",
// "C-c") or literal text with the prefix "text:".
func (term *terminal) keys(keys ...string) {
	term.t.Helper()
	for _, k := range keys {
		if text, ok := strings.CutPrefix(k, "text:"); ok {
			term.tmux("send-keys", "-t", "0", "-l", text)
		} else {
			term.tmux("send-keys", "-t", "0", k)
		}
		time.Sleep(50 * time.Millisecond) // a person types slower than that
	}
}

// screen is what the pane shows now.
func (term *terminal) screen() string {
	term.t.Helper()
	return term.tmux("capture-pane", "-p", "-t", "0")
}

// waitFor waits until the screen contains every string, and returns it. On
// timeout the test fails with the last screen.
func (term *terminal) waitFor(timeout time.Duration, want ...string) string {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := term.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("after %s the screen does not show %q:\n%s", timeout, missing, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExit waits for the program to exit with status 0.
func (term *terminal) waitExit(timeout time.Duration) {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(term.exitFile); err == nil && strings.HasSuffix(string(b), "\n") {
			if status := strings.TrimSpace(string(b)); status != "0" {
				term.t.Errorf("meshwiz exited with status %s:\n%s", status, term.screen())
			}
			return
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("meshwiz did not exit within %s:\n%s", timeout, term.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return out
}
