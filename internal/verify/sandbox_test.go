package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/kube"
)

type fallbackReacher struct{ asked []string }

func (f *fallbackReacher) Reach(_ context.Context, c *kube.Client) (string, func(), error) {
	f.asked = append(f.asked, c.Context)
	return "http://127.0.0.1:1", func() {}, nil
}

// TestSandboxAddresses: the istiod list the sandbox writes beside its
// kubeconfig is found through $KUBECONFIG's list (or --kubeconfig), matched by
// API server URL (a renamed context still matches; another cluster goes the
// fallback way); no list means nil, a broken one an error naming the file.
func TestSandboxAddresses(t *testing.T) {
	plain, sandbox := t.TempDir(), t.TempDir()
	list := `{"istiods":[{"context":"east","server":"https://127.0.0.1:37117","address":"127.0.0.1:42267"}]}`
	if err := os.WriteFile(filepath.Join(sandbox, SandboxFile), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", filepath.Join(plain, "config")+string(filepath.ListSeparator)+filepath.Join(sandbox, "kubeconfig"))
	files := kube.Loader{}.Files()
	if len(files) != 2 {
		t.Fatalf("kubeconfig files %v", files)
	}
	sb, err := LoadSandbox(files)
	if err != nil || sb == nil {
		t.Fatalf("LoadSandbox: %v, %v", sb, err)
	}
	fb := &fallbackReacher{}
	sb.Fallback = fb
	base, _, err := sb.Reach(t.Context(), &kube.Client{Context: "my-east", Server: "https://127.0.0.1:37117"})
	if err != nil || base != "http://127.0.0.1:42267" {
		t.Errorf("sandbox cluster: %q, %v", base, err)
	}
	if _, _, err := sb.Reach(t.Context(), &kube.Client{Context: "prod", Server: "https://10.0.0.1:6443"}); err != nil || len(fb.asked) != 1 || fb.asked[0] != "prod" {
		t.Errorf("another cluster: fallback asked for %v (err %v)", fb.asked, err)
	}

	if got := (kube.Loader{Kubeconfig: filepath.Join(plain, "config")}).Files(); len(got) != 1 {
		t.Errorf("--kubeconfig: %v", got)
	}
	if sb, err := LoadSandbox([]string{filepath.Join(plain, "config")}); sb != nil || err != nil {
		t.Errorf("no list: %v, %v", sb, err)
	}
	if err := os.WriteFile(filepath.Join(plain, SandboxFile), []byte(`{"istiods":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if sb, err := LoadSandbox([]string{filepath.Join(plain, "config")}); sb != nil || err != nil {
		t.Errorf("empty list (no istiod runs): %v, %v", sb, err)
	}
	if err := os.WriteFile(filepath.Join(plain, SandboxFile), []byte(`{"istiods":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSandbox([]string{filepath.Join(plain, "config")}); err == nil || !strings.Contains(err.Error(), filepath.Join(plain, SandboxFile)) {
		t.Errorf("broken list: %v", err)
	}
}
