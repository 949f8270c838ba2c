package main

// The reliability contract of issue 13 through run(): repeated contexts,
// malformed flag values, skipped fatal checks, interrupted contexts, URL
// passwords, and what plan and setup --dry-run must refuse before any
// cluster is touched.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// wantUsage runs meshwiz and wants exit 2 with every phrase on stderr and
// nothing on stdout.
func wantUsage(t *testing.T, args []string, phrases ...string) {
	t.Helper()
	r := meshwiz(t, args...)
	r.wantCode(t, exitUsage)
	for _, p := range phrases {
		if !strings.Contains(r.errOut, p) {
			t.Errorf("meshwiz %s: stderr %q lacks %q", strings.Join(args, " "), r.errOut, p)
		}
	}
	if r.out != "" {
		t.Errorf("meshwiz %s: a usage error printed %q", strings.Join(args, " "), r.out)
	}
}

func TestContextGivenTwiceIsUsageError(t *testing.T) {
	b := sharedBed(t)
	for _, cmd := range []string{"check", "status", "contexts"} {
		wantUsage(t, []string{cmd, "--kubeconfig", b.Kubeconfig, "--context", "west", "--context", "west"}, `--context "west" is given twice`)
	}
}

func TestMalformedFlagValuesAreUsageErrors(t *testing.T) {
	b := sharedBed(t)
	base := []string{"check", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west"}
	for _, c := range []struct {
		flag, value, want string
	}{
		{"--server", "east=not a url", "not an https:// URL"},
		{"--server", "east=http://10.1.2.3:6443", "not an https:// URL"},
		{"--server", "east=https://admin:pw@api.example:6443", "user name or password"},
		{"--name", "east=Not_A_Label", "not a DNS-1123 label"},
		{"--name", "east=kubernetes", "Istio's default cluster name"},
		{"--server", "east=https://a.example:6443", ""}, // then given twice below
	} {
		if c.want == "" {
			continue
		}
		wantUsage(t, append(slicesClone(base), c.flag, c.value), c.want)
	}
	wantUsage(t, append(slicesClone(base), "--server", "east=https://a.example:6443", "--server", "east=https://b.example:6443"), "given twice for context")
	r := meshwiz(t, append(slicesClone(base), "--server", "east=https://admin:pw@api.example:6443")...)
	if strings.Contains(r.errOut+r.out, ":pw@") {
		t.Errorf("the password of --server is echoed: %q", r.errOut)
	}
	wantUsage(t, []string{"contexts", "--kubeconfig", b.Kubeconfig, "--timeout", "-1s"}, "--timeout -1s")
	wantUsage(t, []string{"contexts", "--kubeconfig", b.Kubeconfig, "--timeout", "0s"}, "positive duration")
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func TestSkippingAFatalCheckNeedsAcknowledgement(t *testing.T) {
	b := sharedBed(t)
	args := []string{"check", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west", "--allow-loopback-servers",
		"--skip", "mesh/duplicate-cluster", "-o", "json"}
	wantUsage(t, args, "mesh/duplicate-cluster", "--skip-fatal")

	r := meshwiz(t, append(args, "--skip-fatal")...)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.errOut, "WARNING: fatal checks skipped with --skip-fatal: mesh/duplicate-cluster") {
		t.Errorf("stderr %q, want the visible warning", r.errOut)
	}
	rep := decodeReport(t, r.out)
	if st, msg := rep.status(t, "mesh/duplicate-cluster", ""); st != "skipped" || !strings.Contains(msg, "FATAL check skipped") {
		t.Errorf("mesh/duplicate-cluster: %s %q, want skipped and marked FATAL", st, msg)
	}
}

// kubeconfigWith writes a copy of kubeconfig changed by edit and returns
// its path.
func kubeconfigWith(t *testing.T, kubeconfig string, edit func(cfg *clientcmdapi.Config)) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// hungExecKubeconfig is the bed's kubeconfig with one more context, "sso",
// on east's cluster, whose user runs an exec plugin that never answers.
func hungExecKubeconfig(t *testing.T, kubeconfig string) string {
	t.Helper()
	plugin := filepath.Join(t.TempDir(), "sso-login")
	if err := os.WriteFile(plugin, []byte("#!/bin/sh\nexec sleep 120\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return kubeconfigWith(t, kubeconfig, func(cfg *clientcmdapi.Config) {
		cfg.AuthInfos["sso-user"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1",
			Command: plugin, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
		cfg.Contexts["sso"] = &clientcmdapi.Context{Cluster: cfg.Contexts["east"].Cluster, AuthInfo: "sso-user"}
	})
}

func TestContextsWithAHungPluginObeysTimeoutAndInterrupt(t *testing.T) {
	b := sharedBed(t)
	kc := hungExecKubeconfig(t, b.Kubeconfig)
	start := time.Now()
	r := meshwiz(t, "contexts", "--kubeconfig", kc, "--timeout", "2s", "-o", "json")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("contexts took %s with --timeout 2s", took)
	}
	r.wantCode(t, exitOK)
	if !strings.Contains(r.out, `"reason": "exec-plugin-timeout"`) || !strings.Contains(r.out, "did not answer within 2s") {
		t.Errorf("contexts -o json:\n%s\nwant sso's exec-plugin-timeout", r.out)
	}

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(time.Second, cancel) // Ctrl-C while the plugin hangs
	var out, errOut strings.Builder
	start = time.Now()
	code := run(ctx, []string{"contexts", "--kubeconfig", kc, "--timeout", "60s"}, streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("contexts took %s to stop after the interrupt", took)
	}
	if code != exitAborted || strings.Contains(out.String(), "CONTEXT") {
		t.Errorf("exit %d, stdout %q: want 130 and no table", code, out.String())
	}
}

func TestContextsRedactsServerPasswords(t *testing.T) {
	b := sharedBed(t)
	path := kubeconfigWith(t, b.Kubeconfig, func(cfg *clientcmdapi.Config) {
		cl := cfg.Clusters[cfg.Contexts["west"].Cluster]
		cl.Server = strings.Replace(cl.Server, "https://", "https://admin:hunter2@", 1)
	})
	for _, args := range [][]string{
		{"contexts", "--kubeconfig", path, "--timeout", probeTimeout},
		{"contexts", "--kubeconfig", path, "--timeout", probeTimeout, "-o", "json"},
		{"check", "--kubeconfig", path, "--context", "east", "--context", "west", "-o", "json"},
	} {
		r := meshwiz(t, args...)
		if strings.Contains(r.out+r.errOut, "hunter2") {
			t.Errorf("meshwiz %s shows the password:\n%s%s", strings.Join(args, " "), r.out, r.errOut)
		}
		if !strings.Contains(r.out, "xxxxx@127.0.0.1") {
			t.Errorf("meshwiz %s: want the redacted server in\n%s", strings.Join(args, " "), r.out)
		}
	}
}

func TestPlanAndDryRunRefuseWhatSetupWouldFailOn(t *testing.T) {
	b := sharedBed(t)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missingCA := t.TempDir()
	for _, c := range []struct {
		name, extra string
		setupArgs   []string
		want        []string
	}{
		{"existing CA without files", fmt.Sprintf("    mode: existing\n    dir: %s\n", missingCA), nil, []string{"security.ca.dir", "root-cert.pem"}},
		{"CA dir is a file", fmt.Sprintf("    dir: %s\n", file), nil, []string{"security.ca.dir", "is a file, not a directory"}},
		{"CA dir is /dev/null", "    dir: /dev/null\n", nil, []string{"security.ca.dir", "/dev/null is a device"}},
		{"CA dir below a file", fmt.Sprintf("    dir: %s/certs\n", file), nil, []string{"security.ca.dir", "cannot be created"}},
		{"missing charts path", "istio:\n  charts:\n    source: path\n    path: /nonexistent/charts\n", nil, []string{"istio.charts.path", "/nonexistent/charts"}},
		{"small CA key", "", []string{"--ca-key-size", "1024"}, []string{"--ca-key-size", "1024 bits is too small"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, _ := writeMesh(t, false, "")
			if c.extra != "" {
				body, _ := os.ReadFile(cfg)
				s := string(body)
				if strings.HasPrefix(c.extra, "istio:") {
					s += c.extra
				} else {
					s = s[:strings.Index(s, "    dir: ")] + c.extra
				}
				if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.setupArgs == nil {
				wantUsage(t, []string{"plan", "--kubeconfig", b.Kubeconfig, "--config", cfg}, c.want...)
			}
			args := append([]string{"setup", "--dry-run", "--allow-loopback-servers", "--kubeconfig", b.Kubeconfig, "--config", cfg}, c.setupArgs...)
			wantUsage(t, args, c.want...)
		})
	}
}
