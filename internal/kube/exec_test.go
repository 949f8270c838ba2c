package kube_test

// Tests of the kubeconfig paths that are not a cluster's answer: exec
// credential plugins (hung, missing, failing, answering), entries the
// kubeconfig lacks, a plain-HTTP listener, passwords in server URLs and
// files too large to read. They use loopback httptest servers and real
// processes; the bed of TestMain is not needed.

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// execKubeconfig writes a kubeconfig whose one context "sso" authenticates
// with the exec plugin command (given args) against server.
func execKubeconfig(t *testing.T, server string, ca []byte, command string, args ...string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["sso-cluster"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos["sso-user"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1", Command: command, Args: args, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
	cfg.Contexts["sso"] = &clientcmdapi.Context{Cluster: "sso-cluster", AuthInfo: "sso-user"}
	cfg.CurrentContext = "sso"
	path := filepath.Join(isolate(t), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plugin.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// hungPlugin is a plugin that waits like an SSO login waiting for a browser;
// it writes the pid of its sleep (its child) to pidFile first. The file
// exists empty for a moment (the shell opens it, then writes).
func hungPlugin(t *testing.T) (command, pidFile string) {
	pidFile = filepath.Join(t.TempDir(), "pid")
	return script(t, fmt.Sprintf("sleep 120 &\necho $! > %s\nwait", pidFile)), pidFile
}

// wantGone fails unless the process in pidFile has exited within a generous
// limit: the plugin's process group must be killed, not left behind.
func wantGone(t *testing.T, pidFile string) {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the plugin did not start: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		// Never signal it: 0 and -1 reach the test's own process group or
		// every process.
		t.Fatalf("the plugin wrote pid %q: not a child's pid", data)
	}
	deadline := time.Now().Add(20 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the plugin's child %d still runs", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHungExecPluginIsStoppedAtTheTimeout(t *testing.T) {
	command, pidFile := hungPlugin(t)
	l := kube.Loader{Kubeconfig: execKubeconfig(t, testbed.ClosedURL(t), nil, command)}
	start := time.Now()
	p := l.Probe(t.Context(), "sso", time.Second)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the probe took %s with a 1 s timeout", took)
	}
	if p.Reason != kube.ReasonExecTimeout {
		t.Errorf("reason %q, want %q (error: %v)", p.Reason, kube.ReasonExecTimeout, p.Err)
	}
	if msg := fmt.Sprint(p.Err); !strings.Contains(msg, "the exec plugin "+command+" did not answer within 1s") {
		t.Errorf("error %q, want it to name the plugin and the timeout", msg)
	}
	if h := p.Hint(); !strings.Contains(h, "users[sso-user].user.exec") {
		t.Errorf("hint %q, want it to name the kubeconfig user entry", h)
	}
	wantGone(t, pidFile)
}

func TestHungExecPluginIsStoppedOnCancel(t *testing.T) {
	command, pidFile := hungPlugin(t)
	l := kube.Loader{Kubeconfig: execKubeconfig(t, testbed.ClosedURL(t), nil, command)}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for {
			// Once the pid is written, not once the file exists: cancelled
			// in between, wantGone read "" - pid 0, which to kill(2) is the
			// test's own process group (it took down a whole make test).
			if data, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(data), "\n") {
				cancel() // Ctrl-C once the plugin runs
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	start := time.Now()
	p := l.Probe(ctx, "sso", time.Minute)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the probe took %s after the cancel", took)
	}
	if p.Reason != kube.ReasonCanceled || !errors.Is(p.Err, context.Canceled) {
		t.Errorf("reason %q error %v, want %q", p.Reason, p.Err, kube.ReasonCanceled)
	}
	wantGone(t, pidFile)
}

func TestExecPluginFailuresHaveTheirReasons(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-plugin")
	for _, c := range []struct {
		name, command string
		reason        kube.Reason
		msg           string
	}{
		{"missing by absolute path", missing, kube.ReasonExecPlugin, "the exec plugin " + missing + " cannot run"},
		{"exits 1", script(t, "echo denied >&2; exit 1"), kube.ReasonExecFailed, "failed with exit code 1"},
		{"prints no credential", script(t, "echo hello"), kube.ReasonExecFailed, "not an ExecCredential"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := kube.Loader{Kubeconfig: execKubeconfig(t, testbed.ClosedURL(t), nil, c.command)}
			p := l.Probe(t.Context(), "sso", 30*time.Second)
			if p.Reason != c.reason || !strings.Contains(fmt.Sprint(p.Err), c.msg) {
				t.Errorf("reason %q error %v, want %q and %q", p.Reason, p.Err, c.reason, c.msg)
			}
			if h := p.Hint(); !strings.Contains(h, "users[sso-user].user.exec") {
				t.Errorf("hint %q, want it to name the kubeconfig user entry", h)
			}
		})
	}
}

func TestExecPluginTokenIsSent(t *testing.T) {
	srv := newAPIServer(t, versionHandler("v1.34.4"))
	plugin := script(t, `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"sso-token"}}'`)
	l := kube.Loader{Kubeconfig: execKubeconfig(t, srv.URL, srv.caPEM, plugin)}
	p := l.Probe(t.Context(), "sso", 30*time.Second)
	if !p.Reachable() || p.Version != "v1.34.4" {
		t.Fatalf("probe %+v, want reachable", p)
	}
	if got, _ := srv.auth.Load().(string); got != "Bearer sso-token" {
		t.Errorf("Authorization %q, want the plugin's token", got)
	}
}

func TestPlainHTTPListenerIsTLSPlainHTTP(t *testing.T) {
	plain := httptest.NewServer(versionHandler("v1.34.4")) // http:// only
	t.Cleanup(plain.Close)
	path := writeKubeconfig(t, isolate(t), "kubeconfig", testContext{name: "east", server: strings.Replace(plain.URL, "http://", "https://", 1), current: true})
	p := kube.Loader{Kubeconfig: path}.Probe(t.Context(), "east", 30*time.Second)
	if p.Reason != kube.ReasonPlainHTTP || !strings.Contains(p.Hint(), "clusters[east].cluster.server") {
		t.Errorf("reason %q hint %q (error %v), want %q naming clusters[east].cluster.server", p.Reason, p.Hint(), p.Err, kube.ReasonPlainHTTP)
	}
}

func TestContextNamingAMissingClusterSaysWhich(t *testing.T) {
	dir := isolate(t)
	cfg := clientcmdapi.NewConfig()
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["east"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: "u"}
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	p := kube.Loader{Kubeconfig: path}.Probe(t.Context(), "east", 30*time.Second)
	msg := fmt.Sprint(p.Err)
	if p.Reason != kube.ReasonMissingEntry || strings.Contains(msg, "KUBERNETES_MASTER") || !strings.Contains(msg, `cluster "gone"`) {
		t.Errorf("reason %q error %q, want %q naming cluster \"gone\"", p.Reason, msg, kube.ReasonMissingEntry)
	}
	if h := p.Hint(); !strings.Contains(h, "contexts[east].context.cluster") {
		t.Errorf("hint %q, want it to name contexts[east].context.cluster", h)
	}
}

func TestKubeconfigWithOnlyClustersSaysNoContexts(t *testing.T) {
	dir := isolate(t)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["east"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1"}
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	_, err := kube.Loader{Kubeconfig: path}.Contexts()
	if err == nil || errors.Is(err, kube.ErrNoKubeconfig) || !strings.Contains(err.Error(), path+" defines no contexts") {
		t.Errorf("error %v, want that %s defines no contexts", err, path)
	}
	if r, _, _ := kube.Classify(err); r != kube.ReasonNoContexts {
		t.Errorf("reason %q, want %q", r, kube.ReasonNoContexts)
	}
}

func TestServerURLPasswordIsRedacted(t *testing.T) {
	server := "https://admin:s3cret-pw@" + strings.TrimPrefix(testbed.ClosedURL(t), "https://")
	path := writeKubeconfig(t, isolate(t), "kubeconfig", testContext{name: "east", server: server, current: true})
	l := kube.Loader{Kubeconfig: path}
	cs, err := l.Contexts()
	if err != nil {
		t.Fatal(err)
	}
	p := l.Probe(t.Context(), "east", 30*time.Second)
	for what, s := range map[string]string{"Contexts()[0].Server": cs[0].Server, "probe error": fmt.Sprint(p.Err), "probe server": p.Server, "hint": p.Hint()} {
		if strings.Contains(s, "s3cret-pw") {
			t.Errorf("%s shows the password: %q", what, s)
		}
	}
	if !strings.Contains(cs[0].Server, "127.0.0.1") {
		t.Errorf("server %q lost its host", cs[0].Server)
	}
}

func TestKubeconfigSizeIsCapped(t *testing.T) {
	isolate(t)
	_, err := kube.Loader{Kubeconfig: "/dev/zero"}.Contexts()
	if err == nil || !strings.Contains(err.Error(), "kubeconfig /dev/zero is larger than 32 MiB") {
		t.Fatalf("error %v, want the size limit naming /dev/zero", err)
	}
}
