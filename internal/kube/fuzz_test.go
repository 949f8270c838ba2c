package kube_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// FuzzKubeconfig feeds the kubeconfig path meshwiz owns — the size check,
// the load and merge, the context list, the lookup by name and the client
// bundle (with its exec plugin wiring) — arbitrary files: nothing may panic,
// and a server URL's password never shows in a context or an error.
func FuzzKubeconfig(f *testing.F) {
	for _, seed := range []string{
		"", "apiVersion: v1\nkind: Config\n",
		"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://u:pw@127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
		"apiVersion: v1\nkind: Config\ncontexts:\n- name: x\n  context: {cluster: gone, user: gone}\n",
		"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: /nonexistent, provideClusterInfo: true}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n",
		"clusters: [{name: a, cluster: {server: ':'}}]\ncontexts: [{name: a, context: {cluster: a}}]\n",
		"{{{{",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		// A new file per input: the loader caches by name, size and
		// modification time, and two inputs of one size written within one
		// clock tick would otherwise share the first one's parse.
		n++
		path := filepath.Join(dir, fmt.Sprintf("kubeconfig-%d", n))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		l := kube.Loader{Kubeconfig: path}
		cs, err := l.Contexts()
		if err != nil {
			return
		}
		for i, c := range cs {
			if i == 3 {
				break
			}
			if _, err := l.Context(c.Name); err != nil {
				t.Fatalf("context %q is listed but not found: %v", c.Name, err)
			}
			_, _ = l.NewClient(c.Name) // builds, never contacts the server
		}
	})
}

// FuzzRedactURL checks that a URL's password never survives RedactURL.
func FuzzRedactURL(f *testing.F) {
	for _, seed := range []string{"https://admin:hunter2@127.0.0.1:6443", "https://tok@h", "h@x", "https://a:b@c@d/e", "://:@", "https://[::1]:1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := kube.RedactURL(s)
		u, err := url.Parse(s)
		if err != nil || u.User == nil {
			return
		}
		if pw, ok := u.User.Password(); ok && len(pw) >= 4 && strings.Contains(got, ":"+pw+"@") {
			t.Fatalf("RedactURL(%q) = %q keeps the password", s, got)
		}
		if name := u.User.Username(); len(name) >= 4 && strings.Contains(got, name+"@") {
			t.Fatalf("RedactURL(%q) = %q keeps the user name", s, got)
		}
	})
}
