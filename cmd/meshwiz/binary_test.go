package main

// The exit-code contract through the real binary: every command's codes by
// number (0, 1, 2, 3, 130), a real SIGINT while an exec credential plugin
// hangs, and the JSON documents checked against their documented shape
// (decoded into map[string]any, not the production structs).

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// execResult is one run of the real binary.
type execResult struct {
	code        int
	out, errOut string
}

// runBinary runs the binary with args (and HOME and KUBECONFIG pointing
// nowhere, so nothing reads the developer's files).
func runBinary(t *testing.T, args ...string) execResult {
	t.Helper()
	cmd := exec.Command(testbed.MustMeshwizBinary(t), args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=/nonexistent", "NO_COLOR=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running meshwiz %v: %v", args, err)
	}
	return execResult{code: cmd.ProcessState.ExitCode(), out: out.String(), errOut: errOut.String()}
}

func TestExitCodesThroughTheBinary(t *testing.T) {
	b := sharedBed(t)
	kc := []string{"--kubeconfig", b.Kubeconfig}
	both := append(slicesClone(kc), "--context", "east", "--context", "west")
	cfg, _ := writeMesh(t, false, "")
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		code int
		args []string
	}{
		{exitOK, []string{"version"}},
		{exitUsage, []string{"version", "--bogus"}},
		{exitUsage, []string{"chek"}},
		{exitOK, append([]string{"contexts", "--timeout", probeTimeout}, kc...)},
		{exitUsage, append([]string{"contexts", "--timeout", "-1s"}, kc...)},
		{exitOK, append([]string{"check", "--allow-loopback-servers"}, both...)},
		{exitChecksFailed, append([]string{"check"}, both...)},
		{exitUsage, append([]string{"check", "--server", "east=not-a-url"}, both...)},
		{exitUsage, append([]string{"check", "--context", "nope"}, kc...)},
		{exitOK, append([]string{"plan", "--config", cfg}, kc...)},
		{exitUsage, append([]string{"plan"}, kc...)},
		{exitError, append([]string{"plan", "--config", cfg, "--out", filepath.Join(file, "out")}, kc...)},
		{exitOK, append([]string{"setup", "--dry-run", "--allow-loopback-servers", "--config", cfg}, kc...)},
		{exitChecksFailed, append([]string{"setup", "--dry-run", "--config", cfg}, kc...)},
		{exitUsage, append([]string{"setup", "--config", cfg}, kc...)}, // no --yes without a terminal
		{exitChecksFailed, []string{"status", "--kubeconfig", downKubeconfig(t, b.Kubeconfig), "--context", "down"}},
		{exitUsage, append([]string{"status", "--config", cfg, "--context", "east"}, kc...)},
		{exitOK, append([]string{"teardown", "--dry-run"}, both...)}, // nothing to remove
		{exitUsage, append([]string{"teardown", "--include", "configmap"}, both...)},
	} {
		r := runBinary(t, c.args...)
		if r.code != c.code {
			t.Errorf("meshwiz %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(c.args, " "), r.code, c.code, r.out, r.errOut)
		}
	}
}

// downKubeconfig is the bed's kubeconfig with one more context, "down",
// whose server is a loopback port where nothing listens.
func downKubeconfig(t *testing.T, kubeconfig string) string {
	t.Helper()
	server := testbed.ClosedURL(t)
	return kubeconfigWith(t, kubeconfig, func(cfg *clientcmdapi.Config) {
		east := cfg.Contexts["east"]
		cl := *cfg.Clusters[east.Cluster]
		cl.Server = server
		cfg.Clusters["down"] = &cl
		cfg.Contexts["down"] = &clientcmdapi.Context{Cluster: "down", AuthInfo: east.AuthInfo}
	})
}

// A real SIGINT while every command waits on a hung exec credential plugin:
// each exits 130 promptly and leaves no plugin running.
func TestSIGINTExits130ThroughTheBinary(t *testing.T) {
	b := sharedBed(t)
	kc := hungExecKubeconfig(t, b.Kubeconfig)
	cfg := filepath.Join(t.TempDir(), "mesh.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nclusters:\n  - context: sso\n  - context: west\nsecurity:\n  ca:\n    dir: "+t.TempDir()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"contexts", "--timeout", "2m"},
		{"check", "--context", "sso", "--context", "west"},
		{"status", "--context", "sso"},
		{"setup", "--dry-run", "--config", cfg},
		{"teardown", "--dry-run", "--context", "sso"},
	} {
		t.Run(args[0], func(t *testing.T) {
			cmd := exec.Command(testbed.MustMeshwizBinary(t), append(args, "--kubeconfig", kc)...)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=/nonexistent")
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitForPlugin(t, cmd.Process.Pid)
			start := time.Now()
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("meshwiz %s still runs 60 s after SIGINT", args[0])
			}
			if code := cmd.ProcessState.ExitCode(); code != exitAborted {
				t.Errorf("meshwiz %s: exit %d after SIGINT (%s), want 130\nstdout: %s\nstderr: %s", args[0], code, time.Since(start), out.String(), errOut.String())
			}
			if pids := pluginPids(); len(pids) > 0 {
				t.Errorf("the hung plugin still runs after meshwiz exited: %v", pids)
			}
		})
	}
}

// waitForPlugin waits until the binary's hung exec plugin runs (a sleep 120
// in the process table whose parent chain leads to pid).
func waitForPlugin(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(pluginPids()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("meshwiz (pid %d) never ran the exec plugin", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pluginPids lists the processes running the hung plugin's "sleep 120".
func pluginPids() []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && string(cmdline) == "sleep\x00120\x00" {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// JSON documents against the README's shapes, as a consumer decodes them.
func TestJSONDocumentsHaveTheirDocumentedShape(t *testing.T) {
	b := sharedBed(t)
	kc := []string{"--kubeconfig", b.Kubeconfig}
	both := append(slicesClone(kc), "--context", "east", "--context", "west")
	cfg, _ := writeMesh(t, false, "")
	for _, c := range []struct {
		args []string
		top  []string // keys of the document
		list string   // a list in it whose items have the keys below
		item []string
	}{
		{[]string{"version", "-o", "json"}, []string{"version", "goVersion", "platform"}, "", nil},
		{append([]string{"contexts", "-o", "json", "--timeout", probeTimeout}, kc...), []string{"contexts"}, "contexts",
			[]string{"name", "current", "server", "reachable", "version", "tookMs"}},
		{append([]string{"check", "-o", "json", "--allow-loopback-servers"}, both...), []string{"schemaVersion", "results", "summary", "durationMs"}, "results",
			[]string{"id", "title", "severity", "status", "message", "durationMs"}},
		{append([]string{"status", "-o", "json"}, both...), []string{"schemaVersion", "results", "summary", "durationMs"}, "results",
			[]string{"id", "title", "severity", "status", "durationMs"}},
		{append([]string{"plan", "-o", "json", "--config", cfg}, kc...), []string{"meshID", "model", "istio", "clusters"}, "clusters",
			[]string{"name", "context", "role", "network", "steps", "releases"}},
		{append([]string{"teardown", "--dry-run", "-o", "json"}, both...), []string{"schemaVersion", "result", "clusters", "preview"}, "clusters",
			[]string{"context", "reachable"}},
	} {
		r := runBinary(t, c.args...)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
			t.Errorf("meshwiz %s: not one JSON document: %v\n%s", strings.Join(c.args, " "), err, r.out)
			continue
		}
		for _, k := range c.top {
			if _, ok := doc[k]; !ok {
				t.Errorf("meshwiz %s: no %q in %v", c.args[0], k, keys(doc))
			}
		}
		if c.list == "" {
			continue
		}
		items, _ := doc[c.list].([]any)
		if len(items) == 0 {
			t.Errorf("meshwiz %s: %q is empty or not a list", c.args[0], c.list)
			continue
		}
		for _, it := range items {
			m, _ := it.(map[string]any)
			for _, k := range c.item {
				if _, ok := m[k]; !ok {
					t.Errorf("meshwiz %s: an item of %q has no %q: %v", c.args[0], c.list, k, keys(m))
				}
			}
		}
		if s, ok := doc["summary"].(map[string]any); ok {
			for _, k := range []string{"passed", "warned", "failed", "info", "skipped"} {
				if _, ok := s[k].(float64); !ok {
					t.Errorf("meshwiz %s: summary.%s is not a number: %v", c.args[0], k, s)
				}
			}
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
