package e2e

import (
	"testing"
	"time"
)

// TestWizardInTerminal runs `meshwiz` with no arguments in an 80×24 tmux
// pane against the bed's kubeconfig, as an operator would.
func TestWizardInTerminal(t *testing.T) {
	b := bed(t)
	bin := meshwizBinary(t)
	dir := t.TempDir()
	term := startTerminal(t, 80, 24, dir, []string{"KUBECONFIG=" + b.Kubeconfig}, bin)

	term.waitFor(30*time.Second, "What do you want to do?", "Guided setup")
	term.keys("Enter")
	term.waitFor(60*time.Second, "alpha", "beta", "v1.34.4")
	term.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if dead, status := term.exited(); dead {
			if status != "0" {
				t.Errorf("meshwiz exited with %s after q:\n%s", status, term.screen())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("meshwiz did not exit after q:\n%s", term.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
