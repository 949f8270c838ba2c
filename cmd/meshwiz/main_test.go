package main

// Unit tests of the command line: exit codes, usage errors and output that
// need no cluster. They drive run() with buffers, so no stream is a terminal.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// result is what one run of meshwiz produced.
type result struct {
	code        int
	out, errOut string
}

// meshwiz runs the command line with args, with empty stdin and buffered
// stdout and stderr.
func meshwiz(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// wantCode fails the test unless r exited with code, showing both streams.
func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.out, r.errOut)
	}
}

// noKubeconfig points HOME and KUBECONFIG at a missing file, so that no test
// reads the developer's kubeconfig.
func noKubeconfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	missing := filepath.Join(dir, "no-such-kubeconfig")
	t.Setenv("KUBECONFIG", missing)
	return missing
}

func TestVersionJSON(t *testing.T) {
	r := meshwiz(t, "version", "-o", "json")
	r.wantCode(t, exitOK)
	var v map[string]any
	if err := json.Unmarshal([]byte(r.out), &v); err != nil {
		t.Fatalf("version -o json is not JSON: %v\n%s", err, r.out)
	}
	if got := v["goVersion"]; got != runtime.Version() {
		t.Errorf("goVersion %v, want %s", got, runtime.Version())
	}
	if got, _ := v["version"].(string); got == "" {
		t.Errorf("version is empty: %s", r.out)
	}
	if got := v["platform"]; got != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("platform %v, want %s/%s", got, runtime.GOOS, runtime.GOARCH)
	}
	if r.errOut != "" {
		t.Errorf("stderr is not empty: %q", r.errOut)
	}
}

func TestVersionText(t *testing.T) {
	r := meshwiz(t, "version")
	r.wantCode(t, exitOK)
	if !strings.HasPrefix(r.out, "meshwiz ") || !strings.Contains(r.out, runtime.Version()) {
		t.Errorf("version text %q, want it to start with meshwiz and name %s", r.out, runtime.Version())
	}
}

// Every command with -o refuses other formats before doing anything else
// (plan, teardown and status: before saying they are not built).
func TestUnsupportedOutputIsUsageError(t *testing.T) {
	noKubeconfig(t)
	for _, cmd := range []string{"version", "contexts", "check", "plan", "teardown", "status"} {
		t.Run(cmd, func(t *testing.T) {
			r := meshwiz(t, cmd, "-o", "yaml")
			r.wantCode(t, exitUsage)
			if !strings.Contains(r.errOut, `--output "yaml" is not supported`) {
				t.Errorf("stderr does not name the flag and value: %q", r.errOut)
			}
			if !strings.Contains(r.errOut, "meshwiz --help") {
				t.Errorf("stderr does not point at --help: %q", r.errOut)
			}
			if r.out != "" {
				t.Errorf("stdout is not empty: %q", r.out)
			}
		})
	}
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	r := meshwiz(t, "frobnicate")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, `unknown command "frobnicate"`) {
		t.Errorf("stderr %q, want it to say unknown command", r.errOut)
	}
	r = meshwiz(t, "chek")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "did you mean check?") {
		t.Errorf("stderr %q, want a suggestion of check", r.errOut)
	}
}

func TestUnknownFlagAndExtraArgumentAreUsageErrors(t *testing.T) {
	r := meshwiz(t, "version", "--frobnicate")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "--frobnicate") {
		t.Errorf("stderr %q does not name the flag", r.errOut)
	}
	r = meshwiz(t, "version", "extra")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, `takes no arguments, got "extra"`) {
		t.Errorf("stderr %q does not name the argument", r.errOut)
	}
}

func TestStatusUsageErrors(t *testing.T) {
	noKubeconfig(t)
	r := meshwiz(t, "status", "-o", "yaml")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, `--output "yaml" is not supported`) {
		t.Errorf("stderr %q does not name the output format", r.errOut)
	}
	r = meshwiz(t, "status", "--config", "mesh.yaml", "--context", "east")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, "--config and --context both select clusters") {
		t.Errorf("stderr %q does not say why", r.errOut)
	}
}

func TestNoArgsWithoutTerminalPrintsHelp(t *testing.T) {
	noKubeconfig(t)
	r := meshwiz(t)
	r.wantCode(t, exitOK)
	for _, want := range []string{"Usage:", "Available Commands:", "check", "contexts", "--kubeconfig"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("help on stdout lacks %q:\n%s", want, r.out)
		}
	}
	if r.errOut != "" {
		t.Errorf("stderr is not empty: %q", r.errOut)
	}
}

func TestCheckNetworkFlagsAreExclusive(t *testing.T) {
	noKubeconfig(t)
	r := meshwiz(t, "check", "--network-per-cluster", "--same-network")
	r.wantCode(t, exitUsage)
	for _, want := range []string{"network-per-cluster", "same-network"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr %q does not name %s", r.errOut, want)
		}
	}
}

func TestBadKubeconfigIsUsageErrorNamingTheFile(t *testing.T) {
	noKubeconfig(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing-kubeconfig")
	garbage := filepath.Join(dir, "garbage-kubeconfig")
	if err := os.WriteFile(garbage, []byte("contexts: [this is: not a kubeconfig"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		file string
	}{
		{"contexts/missing", []string{"contexts", "--kubeconfig", missing}, missing},
		{"check/missing", []string{"check", "--kubeconfig", missing}, missing},
		{"check/missing/context", []string{"check", "--kubeconfig", missing, "--context", "east"}, missing},
		{"contexts/garbage", []string{"contexts", "--kubeconfig", garbage}, garbage},
		{"check/garbage/context", []string{"check", "--kubeconfig", garbage, "--context", "east"}, garbage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := meshwiz(t, tc.args...)
			r.wantCode(t, exitUsage)
			if !strings.Contains(r.errOut, tc.file) {
				t.Errorf("stderr %q does not name %s", r.errOut, tc.file)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitError},
		{usagef("bad flag"), exitUsage},
		{fmt.Errorf("wrapped: %w", usagef("bad flag")), exitUsage},
		{codeError{code: exitChecksFailed, err: errors.New("2 check(s) failed")}, exitChecksFailed},
		{fmt.Errorf("running: %w", errAborted), exitAborted},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
