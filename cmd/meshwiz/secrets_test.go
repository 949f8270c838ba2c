package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// noSecretsInOutputs runs every command, text and JSON, against the mesh
// TestSetup installed and fails if any output holds a secret: a token of a
// ServiceAccount in istio-system (the remote secrets' reader token), a CA
// private key, or the kubeconfig's client key or token.
func noSecretsInOutputs(t *testing.T, b *testbed.Bed, cfg, caDir string) {
	t.Helper()
	secrets := map[string]string{} // what → a fragment that must not appear
	for _, c := range b.Clusters {
		list, err := c.Clientset().CoreV1().Secrets("istio-system").List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list.Items {
			if tok := s.Data[corev1.ServiceAccountTokenKey]; len(tok) > 40 {
				secrets[c.Name+" token "+s.Name] = string(tok[len(tok)-40:])
			}
		}
	}
	keys, _ := filepath.Glob(filepath.Join(caDir, "*", "ca-key.pem"))
	keys = append(keys, filepath.Join(caDir, "root-key.pem"))
	for _, k := range keys {
		data, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		secrets["CA key "+k] = lines[len(lines)/2]
	}
	kc, err := clientcmd.LoadFromFile(b.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for name, u := range kc.AuthInfos {
		if len(u.ClientKeyData) > 0 {
			lines := strings.Split(string(u.ClientKeyData), "\n")
			secrets["kubeconfig key "+name] = lines[len(lines)/2]
		}
		if u.Token != "" {
			secrets["kubeconfig token "+name] = u.Token
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("found only %d secrets to look for: %v", len(secrets), secrets)
	}
	kubeconfig := []string{"--kubeconfig", b.Kubeconfig}
	both := append(slicesClone(kubeconfig), "--context", "east", "--context", "west")
	for _, args := range [][]string{
		append([]string{"contexts"}, kubeconfig...),
		append([]string{"check", "--allow-loopback-servers"}, both...),
		append([]string{"status"}, both...),
		append([]string{"plan", "--config", cfg, "--values"}, kubeconfig...),
		append([]string{"setup", "--dry-run", "--allow-loopback-servers", "--config", cfg}, kubeconfig...),
		append([]string{"teardown", "--dry-run"}, both...),
		{"version"},
	} {
		for _, out := range []string{"text", "json"} {
			r := meshwiz(t, append(args, "-o", out)...)
			if args[0] == "status" && r.code != exitOK {
				t.Errorf("status -o %s on the installed mesh: exit %d\n%s", out, r.code, r.out)
			}
			for what, frag := range secrets {
				if strings.Contains(r.out+r.errOut, frag) {
					t.Errorf("meshwiz %s -o %s shows %s", strings.Join(args, " "), out, what)
				}
			}
			if strings.Contains(r.out+r.errOut, "PRIVATE KEY") {
				t.Errorf("meshwiz %s -o %s shows a private key", strings.Join(args, " "), out)
			}
		}
	}
}
