package certs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// snapshot maps every file under dir (relative path) to its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]string) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// unchanged fails t unless the snapshot after what holds exactly the files
// of before, each with the same content.
func unchanged(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if len(after) != len(before) {
		t.Errorf("%s changed the file set: %v", what, keys(after))
	}
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed %s", what, p)
		}
	}
}

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestWriteLoadRoundTrip(t *testing.T) {
	f := getFixtures(t)
	dir := filepath.Join(t.TempDir(), "certs")
	if err := Write(dir, f.root, []*Intermediate{f.west, f.east}); err != nil {
		t.Fatal(err)
	}
	files := snapshot(t, dir)
	want := "[east/ca-cert.pem east/ca-key.pem east/cert-chain.pem east/root-cert.pem root-cert.pem root-key.pem " +
		"west/ca-cert.pem west/ca-key.pem west/cert-chain.pem west/root-cert.pem]"
	if got := strings.Join(keys(files), " "); "["+got+"]" != want {
		t.Errorf("files = [%s]\nwant %s", got, want)
	}
	for p, m := range map[string]fs.FileMode{
		"": 0o700, "east": 0o700, "west": 0o700, "root-key.pem": 0o600, "east/ca-key.pem": 0o600,
		"west/ca-key.pem": 0o600, "root-cert.pem": 0o644, "east/ca-cert.pem": 0o644, "east/cert-chain.pem": 0o644,
	} {
		if got := mode(t, filepath.Join(dir, p)); got != m {
			t.Errorf("%s: mode %v, want %v", p, got, m)
		}
	}

	r, inters, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.CertPEM, f.root.CertPEM) || !bytes.Equal(r.KeyPEM, f.root.KeyPEM) || r.Key == nil ||
		Fingerprint(r.Cert) != Fingerprint(f.root.Cert) {
		t.Error("loaded root differs from the written one")
	}
	if len(inters) != 2 || inters[0].Cluster != "east" || inters[1].Cluster != "west" {
		t.Fatalf("Load(nil clusters) = %v", inters)
	}
	for k, src := range []*Intermediate{f.east, f.west} {
		got := inters[k]
		for name, data := range src.SecretData() {
			if !bytes.Equal(got.SecretData()[name], data) {
				t.Errorf("%s/%s differs after the round trip", src.Cluster, name)
			}
		}
		if Fingerprint(got.Cert) != Fingerprint(src.Cert) {
			t.Errorf("%s: certificate differs", src.Cluster)
		}
		if err := r.Verify(got, t0); err != nil {
			t.Errorf("loaded %s: %v", src.Cluster, err)
		}
	}
	if _, one, err := Load(dir, []string{"west"}); err != nil || len(one) != 1 || one[0].Cluster != "west" {
		t.Errorf("Load(west) = %v, %v", one, err)
	}
	sd := f.east.SecretData()
	if len(sd) != 4 || sd["ca-cert.pem"] == nil || sd["ca-key.pem"] == nil || sd["root-cert.pem"] == nil || sd["cert-chain.pem"] == nil {
		t.Errorf("SecretData keys = %v", sd)
	}
}

func TestWriteIsIdempotentAndNeverOverwrites(t *testing.T) {
	f := getFixtures(t)
	dir := t.TempDir()
	inters := []*Intermediate{f.east}
	if err := Write(dir, f.root, inters); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	keyPath := filepath.Join(dir, "root-key.pem")
	st1, _ := os.Stat(keyPath)
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, f.root, inters); err != nil {
		t.Fatalf("re-run with the same files: %v", err)
	}
	st2, _ := os.Stat(keyPath)
	if !os.SameFile(st1, st2) {
		t.Error("an identical file was rewritten")
	}
	if m := mode(t, keyPath); m != 0o600 {
		t.Errorf("root-key.pem left at %v", m)
	}

	err := Write(dir, f.other, []*Intermediate{f.foreign, f.west})
	if !errors.Is(err, ErrFileDiffers) {
		t.Fatalf("writing another root over it: %v", err)
	}
	for _, p := range []string{"root-key.pem", "root-cert.pem", filepath.Join("east", "ca-key.pem"), filepath.Join("east", "cert-chain.pem")} {
		if !strings.Contains(err.Error(), filepath.Join(dir, p)) {
			t.Errorf("error does not name %s: %v", p, err)
		}
	}
	if strings.Contains(err.Error(), "PRIVATE") {
		t.Errorf("error shows key material: %v", err)
	}
	unchanged(t, "a refused Write", before, snapshot(t, dir))

	certOnly := &Root{Cert: f.root.Cert}
	dir2 := t.TempDir()
	if err := Write(dir2, certOnly, nil); err != nil {
		t.Fatal(err)
	}
	if got := keys(snapshot(t, dir2)); len(got) != 1 || got[0] != "root-cert.pem" {
		t.Errorf("root without key wrote %v", got)
	}
	if r, err := LoadRoot(dir2); err != nil || r.Key != nil || Fingerprint(r.Cert) != Fingerprint(f.root.Cert) {
		t.Errorf("LoadRoot(cert only) = %v, %v", r, err)
	}
}

func TestLoadNamesTheBadFile(t *testing.T) {
	f := getFixtures(t)
	corrupt := func(b []byte) []byte { // flip base64 in the middle of the first block
		out := bytes.Clone(b)
		for k := len(out) / 2; k < len(out)/2+40; k++ {
			out[k] = '!'
		}
		return out
	}
	truncate := func(b []byte) []byte { return b[:len(b)/2] }
	otherKey := func([]byte) []byte { return f.other.KeyPEM }
	for _, tc := range []struct {
		file   string
		change func([]byte) []byte
		kind   error
	}{
		{"root-cert.pem", corrupt, ErrMalformed},
		{"root-key.pem", truncate, ErrMalformed},
		{"root-key.pem", otherKey, ErrKeyMismatch},
		{"east/ca-cert.pem", corrupt, ErrMalformed},
		{"east/ca-key.pem", corrupt, ErrMalformed},
		{"east/cert-chain.pem", truncate, ErrMalformed},
		{"east/root-cert.pem", func([]byte) []byte { return []byte("hello\n") }, ErrMalformed},
		{"east/cert-chain.pem", nil, fs.ErrNotExist},
	} {
		dir := t.TempDir()
		if err := Write(dir, f.root, []*Intermediate{f.east}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, tc.file)
		if tc.change == nil {
			os.Remove(p)
		} else {
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, tc.change(b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := Load(dir, []string{"east"})
		if err == nil || !strings.Contains(err.Error(), p) || !errors.Is(err, tc.kind) {
			t.Errorf("%s: Load error %v, want one naming the file and matching %v", tc.file, err, tc.kind)
		}
	}
}

func TestEnsureDirIsIdempotentAndAddsClusters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	o := testOptions()
	r1, in1, generated, err := EnsureDir(dir, []string{"a", "b"}, o)
	if err != nil || !generated || len(in1) != 2 {
		t.Fatalf("first EnsureDir: generated=%v, %d intermediates, %v", generated, len(in1), err)
	}
	for _, i := range in1 {
		if err := r1.Verify(i, t0); err != nil {
			t.Error(err)
		}
	}
	first := snapshot(t, dir)

	r2, in2, generated, err := EnsureDir(dir, []string{"a", "b"}, o)
	if err != nil || generated {
		t.Fatalf("second EnsureDir: generated=%v, %v", generated, err)
	}
	if Fingerprint(r2.Cert) != Fingerprint(r1.Cert) || Fingerprint(in2[1].Cert) != Fingerprint(in1[1].Cert) {
		t.Error("second run changed the CA")
	}
	unchanged(t, "the second run", first, snapshot(t, dir))

	r3, in3, generated, err := EnsureDir(dir, []string{"a", "b", "c"}, o)
	if err != nil || generated || len(in3) != 3 {
		t.Fatalf("EnsureDir with a new cluster: generated=%v, %v", generated, err)
	}
	if Fingerprint(r3.Cert) != Fingerprint(r1.Cert) || in3[2].Cluster != "c" {
		t.Error("new cluster did not get the same root")
	}
	if err := r1.Verify(in3[2], t0); err != nil {
		t.Errorf("new cluster c: %v", err)
	}
	third := snapshot(t, dir)
	for p, b := range first {
		if third[p] != b {
			t.Errorf("adding a cluster changed %s", p)
		}
	}
	if _, all, err := Load(dir, nil); err != nil || len(all) != 3 {
		t.Errorf("Load after EnsureDir: %d, %v", len(all), err)
	}
}

func TestEnsureDirFinishesInterruptedRuns(t *testing.T) {
	f := getFixtures(t)
	o := testOptions()
	setup := func(t *testing.T, r *Root, remove ...string) string {
		dir := t.TempDir()
		if err := Write(dir, r, []*Intermediate{f.east}); err != nil {
			t.Fatal(err)
		}
		for _, p := range remove {
			if err := os.Remove(filepath.Join(dir, p)); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("lone ca-key.pem", func(t *testing.T) {
		dir := setup(t, f.root, "east/ca-cert.pem", "east/cert-chain.pem", "east/root-cert.pem")
		r, in, generated, err := EnsureDir(dir, []string{"east"}, o)
		if err != nil || generated {
			t.Fatalf("generated=%v, %v", generated, err)
		}
		if !bytes.Equal(in[0].CAKeyPEM, f.east.CAKeyPEM) || r.Verify(in[0], t0) != nil {
			t.Error("the existing ca-key.pem was not reused for a valid intermediate")
		}
	})
	t.Run("lone root-key.pem", func(t *testing.T) {
		dir := setup(t, f.root, "root-cert.pem", "east/ca-cert.pem", "east/ca-key.pem", "east/cert-chain.pem", "east/root-cert.pem")
		r, _, generated, err := EnsureDir(dir, []string{"east"}, o)
		if err != nil || !generated || !bytes.Equal(r.KeyPEM, f.root.KeyPEM) {
			t.Fatalf("generated=%v, same key=%v, %v", generated, r != nil && bytes.Equal(r.KeyPEM, f.root.KeyPEM), err)
		}
	})
	t.Run("ca-cert.pem without its key", func(t *testing.T) {
		dir := setup(t, f.root, "east/ca-key.pem")
		_, _, _, err := EnsureDir(dir, []string{"east"}, o)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "east", "ca-key.pem")+" is missing") {
			t.Errorf("EnsureDir: %v", err)
		}
	})
	t.Run("root without its key", func(t *testing.T) {
		dir := setup(t, f.root, "root-key.pem")
		r, in, _, err := EnsureDir(dir, []string{"east"}, o)
		if err != nil || r.Key != nil || len(in) != 1 {
			t.Fatalf("existing clusters only: %v", err)
		}
		_, _, _, err = EnsureDir(dir, []string{"east", "north"}, o)
		if err == nil || !strings.Contains(err.Error(), "root-key.pem") || !strings.Contains(err.Error(), `"north"`) {
			t.Errorf("new cluster without the root key: %v", err)
		}
	})
	t.Run("intermediate of another root", func(t *testing.T) {
		dir := t.TempDir()
		if err := Write(dir, f.root, []*Intermediate{f.foreign}); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := EnsureDir(dir, []string{"east"}, o)
		if !errors.Is(err, ErrNotSignedByRoot) || !strings.Contains(err.Error(), "cannot be reused") {
			t.Errorf("EnsureDir: %v", err)
		}
	})
	t.Run("expired root", func(t *testing.T) {
		dir := setup(t, f.root)
		late := o
		late.Now = func() time.Time { return f.root.Cert.NotAfter.Add(time.Hour) }
		_, _, _, err := EnsureDir(dir, []string{"east"}, late)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "root-cert.pem")+": the root CA expired on 2036-02-27") {
			t.Errorf("EnsureDir: %v", err)
		}
	})
	t.Run("bad names", func(t *testing.T) {
		for _, c := range [][]string{{"a", "a"}, {"../x"}, {""}} {
			if _, _, _, err := EnsureDir(t.TempDir(), c, o); err == nil {
				t.Errorf("clusters %q accepted", c)
			}
		}
	})
}

// A CA file linked to /dev/zero (or any huge file) is refused with its name
// and the limit, instead of being read until memory runs out.
func TestLoadCapsFileSize(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, RootCertFile)); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(dir, []string{"east"})
	if err == nil || !strings.Contains(err.Error(), RootCertFile) || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("Load = %v, want an error naming %s and the 1 MiB limit", err, RootCertFile)
	}
}
