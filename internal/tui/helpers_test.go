package tui

import (
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// update feeds msgs to m in order, dropping the Cmds, and returns the model.
func update(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// updateCmd feeds one message and returns the model and its Cmd.
func updateCmd(m Model, msg tea.Msg) (Model, tea.Cmd) {
	next, cmd := m.Update(msg)
	return next.(Model), cmd
}

// view is the ANSI-stripped frame.
func view(m Model) string {
	return ansi.Strip(m.View().Content)
}

// line returns the first line of the frame containing s, or "".
func line(m Model, s string) string {
	for l := range strings.SplitSeq(view(m), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// press returns the key press of a key name as Bubble Tea reports it.
func press(name string) tea.KeyPressMsg {
	switch name {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// contextsScreen returns the contexts screen's model.
func contextsScreen(m Model) contextsModel {
	return m.screens[screenContexts].(contextsModel)
}

// probed is the result message of p in the screen's current probe round.
func probed(m Model, p kube.Probe) probeResultMsg {
	return probeResultMsg{gen: contextsScreen(m).gen, probe: p}
}

// testContexts are three contexts on loopback ports; north is current.
var testContexts = []kube.Context{
	{Name: "east", Cluster: "east", User: "east-admin", Server: "https://127.0.0.1:40001"},
	{Name: "north", Cluster: "north", User: "north-admin", Server: "https://127.0.0.1:40003", Namespace: "istio-system", Current: true},
	{Name: "west", Cluster: "west", User: "west-admin", Server: "https://127.0.0.1:40002"},
}

func loadedMsg(cs ...kube.Context) contextsLoadedMsg {
	return contextsLoadedMsg{files: []string{"/tmp/kubeconfig"}, contexts: cs}
}

// okProbe is a successful probe.
func okProbe(c kube.Context, version string, took time.Duration) kube.Probe {
	return kube.Probe{Context: c.Name, Server: c.Server, Version: version, Took: took}
}

// refusedProbe is a probe of a server where nothing listens, with the error
// client-go returns.
func refusedProbe(c kube.Context) kube.Probe {
	err := &kube.ContextError{Context: c.Name, Server: c.Server, Op: "reading server version", Err: &url.Error{
		Op: "Get", URL: c.Server + "/version",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
	}}
	return kube.Probe{Context: c.Name, Server: c.Server, Err: err, Reason: kube.ReasonRefused, Took: time.Millisecond}
}

// sized returns a new model told the terminal is width×height, on the
// contexts screen of the setup flow. Its Cmds are not run: tests send the
// messages the Cmds would.
func sized(t *testing.T, width, height int) Model {
	t.Helper()
	m := New(Options{})
	t.Cleanup(m.cancel)
	return update(t, m, tea.WindowSizeMsg{Width: width, Height: height}, startFlowMsg{flow: flowSetup})
}

// kubeconfigFile writes a kubeconfig with one context (and cluster and user)
// per entry of servers, name → server URL, to a temp dir. ca, when not nil,
// is every cluster's certificate-authority-data.
func kubeconfigFile(t testing.TB, servers map[string]string, ca []byte) kube.Loader {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	for name, server := range servers {
		cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: "token-" + name}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
		cfg.CurrentContext = name
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return kube.Loader{Kubeconfig: path}
}

// versionServer is an httptest TLS server on 127.0.0.1 answering /version
// with gitVersion; it returns the server and its CA certificate as PEM.
func versionServer(t *testing.T, gitVersion string) (*httptest.Server, []byte) {
	t.Helper()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"gitVersion":%q}`, gitVersion)
	}))
	t.Cleanup(ts.Close)
	return ts, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
}
