package certs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Preview says what EnsureDir does, writes nothing, and refuses what
// EnsureDir refuses with EnsureDir's message.
func TestPreviewSaysWhatEnsureDirDoes(t *testing.T) {
	f := getFixtures(t)
	o := testOptions()
	full := t.TempDir()
	if err := Write(full, f.root, []*Intermediate{f.east, f.west}); err != nil {
		t.Fatal(err)
	}
	copyOf := func(t *testing.T, remove ...string) string {
		dir := filepath.Join(t.TempDir(), "ca")
		if err := os.CopyFS(dir, os.DirFS(full)); err != nil {
			t.Fatal(err)
		}
		for _, p := range remove {
			if err := os.Remove(filepath.Join(dir, p)); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	want := func(t *testing.T, p *DirPreview, root Action, reuse, certify, generate []string) {
		t.Helper()
		if p.Root != root || !reflect.DeepEqual(p.Names(Reuse), reuse) || !reflect.DeepEqual(p.Names(Certify), certify) ||
			!reflect.DeepEqual(p.Names(Generate), generate) {
			t.Errorf("root %v, reuse %q, certify %q, generate %q; want root %v, %q, %q, %q",
				p.Root, p.Names(Reuse), p.Names(Certify), p.Names(Generate), root, reuse, certify, generate)
		}
	}

	t.Run("new directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ca")
		p, err := Preview(dir, []string{"east", "west"}, o)
		if err != nil || p.Exists || p.RootCert != nil {
			t.Fatalf("Preview = %+v, %v", p, err)
		}
		want(t, p, Generate, nil, nil, []string{"east", "west"})
		if _, err := os.Stat(dir); err == nil {
			t.Error("Preview created the directory")
		}
	})
	t.Run("reused CA and a new cluster", func(t *testing.T) {
		before := snapshot(t, full)
		p, err := Preview(full, []string{"east", "west", "north"}, o)
		if err != nil || !p.Exists || p.RootCert == nil || !p.RootCert.Equal(f.root.Cert) {
			t.Fatalf("Preview = %+v, %v", p, err)
		}
		want(t, p, Reuse, []string{"east", "west"}, nil, []string{"north"})
		if !reflect.DeepEqual(snapshot(t, full), before) {
			t.Error("Preview changed the directory")
		}
	})
	t.Run("interrupted runs", func(t *testing.T) {
		p, err := Preview(copyOf(t, "east/ca-cert.pem", "east/cert-chain.pem", "east/root-cert.pem"), []string{"east", "west"}, o)
		if err != nil {
			t.Fatal(err)
		}
		want(t, p, Reuse, []string{"west"}, []string{"east"}, nil)
		p, err = Preview(copyOf(t, RootCertFile, "east/ca-cert.pem", "west/ca-cert.pem"), []string{"east"}, o)
		if err != nil || p.RootCert == nil {
			t.Fatalf("Preview = %+v, %v", p, err)
		}
		want(t, p, Certify, nil, []string{"east"}, nil)
	})
	t.Run("ends soon", func(t *testing.T) {
		soon := o
		soon.Now = func() time.Time { return f.east.Cert.NotAfter.Add(-24 * time.Hour) }
		p, err := Preview(full, []string{"east"}, soon)
		if err != nil || len(p.Warnings) == 0 || !IsWarning(p.Warnings[0]) {
			t.Fatalf("Preview = %+v, %v; want an expiry warning", p, err)
		}
	})

	// Each refusal: Preview and EnsureDir give the same message.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, dir string
		clusters  []string
		want      string
	}{
		{"a file", file, []string{"east"}, file + " exists and is not a directory"},
		{"intermediates without their root", copyOf(t, RootCertFile, RootKeyFile), []string{"east"},
			"root-cert.pem does not: a new root cannot reuse it"},
		{"a certificate without its key", copyOf(t, "east/ca-key.pem"), []string{"east"}, "east/ca-key.pem is missing"},
		{"a new cluster without the root key", copyOf(t, RootKeyFile), []string{"east", "north"},
			`cluster "north": cannot sign its intermediate CA: the root's private key (root-key.pem) is not available in `},
		{"a cluster listed twice", full, []string{"east", "east"}, `cluster "east" is listed twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, perr := Preview(c.dir, c.clusters, o)
			_, _, _, eerr := EnsureDir(c.dir, c.clusters, o)
			if perr == nil || eerr == nil || perr.Error() != eerr.Error() || !strings.Contains(perr.Error(), c.want) {
				t.Errorf("Preview: %v\nEnsureDir: %v\nwant both to contain %q", perr, eerr, c.want)
			}
		})
	}
}
