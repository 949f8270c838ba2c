package kube_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// testContext is one context of a kubeconfig written by writeKubeconfig, with
// its own cluster and user.
type testContext struct {
	name      string
	cluster   string // default: name
	server    string
	ca        []byte // PEM; nil: no certificate-authority-data
	namespace string
	tlsName   string // tls-server-name
	current   bool
}

// writeKubeconfig writes a kubeconfig file to dir/file and returns its path.
func writeKubeconfig(t *testing.T, dir, file string, ctxs ...testContext) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	for _, c := range ctxs {
		if c.cluster == "" {
			c.cluster = c.name
		}
		cfg.Clusters[c.cluster] = &clientcmdapi.Cluster{Server: c.server, CertificateAuthorityData: c.ca, TLSServerName: c.tlsName}
		cfg.AuthInfos[c.name] = &clientcmdapi.AuthInfo{Token: "token-" + c.name}
		cfg.Contexts[c.name] = &clientcmdapi.Context{Cluster: c.cluster, AuthInfo: c.name, Namespace: c.namespace}
		if c.current {
			cfg.CurrentContext = c.name
		}
	}
	path := filepath.Join(dir, file)
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatalf("writing kubeconfig: %v", err)
	}
	return path
}

// isolate points HOME at an empty directory so no test reads the developer's
// ~/.kube/config, and returns a temp dir for kubeconfig files.
func isolate(t *testing.T) string {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBECONFIG", "")
	return t.TempDir()
}

func names(cs []kube.Context) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// twoFiles writes the kubeconfigs used by the merge tests: both define the
// context "shared", on different clusters and servers, and a current context.
func twoFiles(t *testing.T, dir string) (first, second string) {
	first = writeKubeconfig(t, dir, "first",
		testContext{name: "alpha", server: "https://127.0.0.1:1001", namespace: "istio-system", tlsName: "alpha.internal", current: true},
		testContext{name: "shared", cluster: "first-shared", server: "https://127.0.0.1:1111"},
	)
	second = writeKubeconfig(t, dir, "second",
		testContext{name: "beta", server: "https://127.0.0.1:2002", current: true},
		testContext{name: "shared", cluster: "second-shared", server: "https://127.0.0.1:2222"},
	)
	return first, second
}

func TestContextsMergesKUBECONFIGFirstFileWins(t *testing.T) {
	dir := isolate(t)
	first, second := twoFiles(t, dir)
	t.Setenv("KUBECONFIG", first+string(os.PathListSeparator)+second)

	got, err := kube.Loader{}.Contexts()
	if err != nil {
		t.Fatalf("Contexts: %v", err)
	}
	if want := []string{"alpha", "beta", "shared"}; !slices.Equal(names(got), want) {
		t.Fatalf("contexts = %v, want the sorted union %v", names(got), want)
	}
	shared := got[2]
	if shared.Cluster != "first-shared" || shared.Server != "https://127.0.0.1:1111" {
		t.Errorf("shared = %+v, want the first file's cluster first-shared at :1111", shared)
	}
	alpha := got[0]
	if !alpha.Current || got[1].Current {
		t.Errorf("current: alpha=%v beta=%v, want the first file's current-context (alpha)", alpha.Current, got[1].Current)
	}
	if alpha.User != "alpha" || alpha.Namespace != "istio-system" || alpha.Server != "https://127.0.0.1:1001" || alpha.TLSServerName != "alpha.internal" {
		t.Errorf("alpha = %+v, want user alpha, namespace istio-system, server :1001, tls-server-name alpha.internal", alpha)
	}
	if alpha.Host() != "127.0.0.1" {
		t.Errorf("Host() = %q, want 127.0.0.1", alpha.Host())
	}
	if files := (kube.Loader{}).Files(); !slices.Equal(files, []string{first, second}) {
		t.Errorf("Files() = %v, want %v", files, []string{first, second})
	}
}

func TestContextEmptyNameIsCurrent(t *testing.T) {
	dir := isolate(t)
	first, second := twoFiles(t, dir)
	t.Setenv("KUBECONFIG", first+string(os.PathListSeparator)+second)

	c, err := kube.Loader{}.Context("")
	if err != nil || c.Name != "alpha" {
		t.Fatalf("Context(\"\") = %q, %v; want alpha", c.Name, err)
	}
	c, err = kube.Loader{}.Context("beta")
	if err != nil || c.Server != "https://127.0.0.1:2002" {
		t.Fatalf("Context(beta) = %+v, %v; want server :2002", c, err)
	}
}

func TestExplicitKubeconfigOverridesKUBECONFIG(t *testing.T) {
	dir := isolate(t)
	first, second := twoFiles(t, dir)
	t.Setenv("KUBECONFIG", first+string(os.PathListSeparator)+second)
	explicit := writeKubeconfig(t, dir, "explicit", testContext{name: "gamma", server: "https://127.0.0.1:3003"})

	l := kube.Loader{Kubeconfig: explicit}
	got, err := l.Contexts()
	if err != nil {
		t.Fatalf("Contexts: %v", err)
	}
	if !slices.Equal(names(got), []string{"gamma"}) {
		t.Errorf("contexts = %v, want only the --kubeconfig file's [gamma]", names(got))
	}
	if !slices.Equal(l.Files(), []string{explicit}) {
		t.Errorf("Files() = %v, want [%s]", l.Files(), explicit)
	}
}

func TestUnknownContextListsAvailable(t *testing.T) {
	dir := isolate(t)
	first, second := twoFiles(t, dir)
	t.Setenv("KUBECONFIG", first+string(os.PathListSeparator)+second)

	_, err := kube.Loader{}.Context("nope")
	if err == nil {
		t.Fatal("Context(nope): no error")
	}
	for _, want := range []string{`"nope"`, "available: alpha, beta, shared", first} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNoKubeconfig(t *testing.T) {
	dir := isolate(t)
	missing := filepath.Join(dir, "does-not-exist")
	t.Setenv("KUBECONFIG", missing)

	_, err := kube.Loader{}.Contexts()
	if !errors.Is(err, kube.ErrNoKubeconfig) {
		t.Fatalf("Contexts() error = %v, want ErrNoKubeconfig", err)
	}
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not say where it looked (%s)", err, missing)
	}
	if _, err := (kube.Loader{}).NewClient(""); !errors.Is(err, kube.ErrNoKubeconfig) {
		t.Errorf("NewClient error = %v, want ErrNoKubeconfig", err)
	}
}

func TestExplicitKubeconfigMissing(t *testing.T) {
	dir := isolate(t)
	missing := filepath.Join(dir, "does-not-exist")

	_, err := kube.Loader{Kubeconfig: missing}.Contexts()
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Contexts() error = %v, want one naming %s", err, missing)
	}
}

func TestKubeconfigWithoutContexts(t *testing.T) {
	dir := isolate(t)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["lonely"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:4004"}
	path := filepath.Join(dir, "no-contexts")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}

	_, err := kube.Loader{Kubeconfig: path}.Contexts()
	if err == nil || !strings.Contains(err.Error(), "defines no contexts") {
		t.Fatalf("Contexts() error = %v, want \"defines no contexts\"", err)
	}
	if errors.Is(err, kube.ErrNoKubeconfig) {
		t.Errorf("a kubeconfig with clusters but no contexts is not ErrNoKubeconfig: %v", err)
	}
}
