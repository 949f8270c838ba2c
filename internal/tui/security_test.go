package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// securityContexts are the two clusters of the security tests.
var securityContexts = []kube.Context{{Name: "east"}, {Name: "west"}}

// securityOn returns a wizard of width×height on the security screen with
// security.ca.dir preset to dir.
func securityOn(t *testing.T, width, height int, dir string) Model {
	t.Helper()
	m := topologyOnWith(t, width, height, Options{CADir: dir, KeyBits: certs.MinKeyBits}, securityContexts, nil)
	m = topologyMove(t, m, 2)
	if m.screen != screenSecurity {
		t.Fatalf("not on the security screen:\n%s", view(m))
	}
	return securityChecked(t, m)
}

// securityChecked waits for the CA directory check the screen started and
// feeds its answer (the Cmd reads files, which may take longer than
// topologyRun waits).
func securityChecked(t *testing.T, m Model) Model {
	t.Helper()
	sm := m.screens[screenSecurity].(securityModel)
	if sm.report != nil {
		return m
	}
	names := sm.names()
	msg := securityCheck(sm.checkKey, sm.v.mode, sm.v.dir, names, m.s.opts.KeyBits)()
	return topologyRun(t, m, msg)
}

// securityCA writes a CA for east and west into dir, as meshwiz generates
// it. Every call writes the same CA: generating keys is slow.
func securityCA(t *testing.T, dir string) {
	t.Helper()
	securityWriteCA(t, dir, 0)
}

// securityCAs are two CAs for east and west, generated once.
var securityCAs = sync.OnceValues(func() ([2]securityCAData, error) {
	var out [2]securityCAData
	o := certs.Options{KeyBits: certs.MinKeyBits}
	for i := range out {
		root, err := certs.GenerateRoot(o)
		if err != nil {
			return out, err
		}
		out[i].root = root
		for _, c := range []string{"east", "west"} {
			in, err := root.Intermediate(c, o)
			if err != nil {
				return out, err
			}
			out[i].inters = append(out[i].inters, in)
		}
	}
	return out, nil
})

type securityCAData struct {
	root   *certs.Root
	inters []*certs.Intermediate
}

// securityWriteCA writes CA number i (0 or 1) into dir.
func securityWriteCA(t *testing.T, dir string, i int) {
	t.Helper()
	cas, err := securityCAs()
	if err != nil {
		t.Fatal(err)
	}
	if err := certs.Write(dir, cas[i].root, cas[i].inters); err != nil {
		t.Fatal(err)
	}
}

// securityCopy copies the CA in src to a new directory (generating keys is
// slow, copying is not).
func securityCopy(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "ca")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestSecurityGenerateIntoANewDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	m := securityOn(t, 80, 24, dir)
	topologyWant(t, m, "Mutual TLS and the mesh CA",
		"PERMISSIVE · accept plain text too while workloads migrate", "STRICT",
		"generate · meshwiz makes a root CA and an intermediate CA per cluster", "bring your own",
		"CA directory", "> "+dir,
		"meshwiz writes root-cert.pem, root-key.pem and east/, west/ each with its intermediate CA there; private keys are written 0600",
		GlyphOK+" "+dir+" does not exist yet: meshwiz creates it and generates a new root CA")

	// STRICT, then on through the directory.
	m = topologyRun(t, m, topologyKeys("down", "enter", "enter")...)
	m, next := topologyRunNext(t, m, topologyKeys("enter")...)
	if !next {
		t.Fatalf("a valid generate setup did not move on:\n%s", view(m))
	}
	if s := m.s.cfg.Security; s.MTLS != mesh.MTLSStrict || s.CA.Mode != mesh.CAGenerate || s.CA.Dir != dir {
		t.Errorf("security = %+v, want STRICT, generate in %s", s, dir)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the screen wrote the CA directory; only the install may")
	}
}

func TestSecurityGenerateReusesAnExistingCA(t *testing.T) {
	dir := t.TempDir()
	securityCA(t, dir)
	m := securityOn(t, 80, 24, dir)
	topologyWant(t, m, "An existing CA is in "+dir+": it is reused (root \"Root CA\", sha256",
		"east, west keep their intermediate CA")
}

func TestSecurityExistingCAWithABrokenChainShowsTheCertsMessage(t *testing.T) {
	dir := t.TempDir()
	securityCA(t, dir)
	caCert, err := os.ReadFile(filepath.Join(dir, "east", certs.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.ReadFile(filepath.Join(dir, certs.RootCertFile))
	if err != nil {
		t.Fatal(err)
	}
	// The root first: the order of some hand-made chains.
	if err := os.WriteFile(filepath.Join(dir, "east", certs.CertChainFile), append(bytes.Clone(root), caCert...), 0o644); err != nil {
		t.Fatal(err)
	}

	m := securityOn(t, 80, 24, dir)
	m = topologyRun(t, m, topologyKeys("enter", "down")...) // bring your own
	m = securityChecked(t, m)
	topologyWant(t, m, "Needs root-cert.pem and east/, west/ each with ca-cert.pem, ca-key.pem, cert-chain.pem and root-cert.pem",
		GlyphFail+` security.ca: cluster "east": cert-chain.pem is in the wrong order (the root first, then ca-cert.pem); it must hold ca-cert.pem followed by the root`)
	checkFits(t, m, 80, 24)

	m, next := topologyRunNext(t, m, topologyKeys("enter", "enter")...)
	if next {
		t.Fatal("a broken CA was accepted")
	}
	topologyWant(t, m, "The CA directory cannot be used as it is")
	if m.s.cfg.Security.CA.Mode != mesh.CAGenerate {
		t.Errorf("the refused mode reached the config: %+v", m.s.cfg.Security)
	}

	// Fixed on disk, the check passes when the directory is checked again.
	if err := os.WriteFile(filepath.Join(dir, "east", certs.CertChainFile), append(bytes.Clone(caCert), root...), 0o644); err != nil {
		t.Fatal(err)
	}
	m = topologyRun(t, m, topologyKeys("backspace")...)
	m = securityChecked(t, m)
	m = topologyRun(t, m, topologyType(dir[len(dir)-1:])...)
	m = securityChecked(t, m)
	topologyWant(t, m, GlyphOK+" Using the existing CA in "+dir)
	m, next = topologyRunNext(t, m, topologyKeys("enter")...)
	if !next || m.s.cfg.Security.CA.Mode != mesh.CAExisting {
		t.Errorf("the fixed CA did not go on (next %v, %+v):\n%s", next, m.s.cfg.Security, view(m))
	}
}

func TestSecurityGoesOnWhenAPendingCheckPasses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	m := securityOn(t, 80, 24, dir)
	m = topologyRun(t, m, topologyKeys("enter", "enter")...)
	m = topologyRun(t, m, topologyPaste("-new")...)
	sm := m.screens[screenSecurity].(securityModel)
	if sm.report != nil {
		// The check answered within topologyRun's wait: start a fresh one.
		sm.checkKey, sm.report = "", nil
		m.screens[screenSecurity] = sm
		sm, _ = sm.check()
		m.screens[screenSecurity] = sm
	}
	pending := securityCheck(sm.checkKey, sm.v.mode, sm.v.dir, sm.names(), 0)()

	m, next := topologyRunNext(t, m, topologyKeys("enter")...)
	if next || !strings.Contains(view(m), "Checking "+dir+"-new") {
		t.Fatalf("enter before the check answered: next %v\n%s", next, view(m))
	}
	m, next = topologyRunNext(t, m, pending)
	if !next || m.s.cfg.Security.CA.Dir != dir+"-new" {
		t.Errorf("the passing check did not go on: next %v, %+v", next, m.s.cfg.Security)
	}
}

func TestSecurityEmptyDirectoryIsTheEnginesError(t *testing.T) {
	m := securityOn(t, 80, 24, t.TempDir())
	m = topologyRun(t, m, topologyKeys("enter", "enter")...)
	m = topologyRun(t, m, topologyClear()...)
	topologyWant(t, m, "directory: is empty (set the directory of root-cert.pem and <cluster>/ca-cert.pem…, e.g. dir: ./meshwiz-certs)")
	if k := m.screens[screenSecurity].Keys(); k.Quit.Enabled() || !k.Back.Enabled() {
		t.Errorf("in the directory input q must type and esc go back: quit %v, back %v", k.Quit.Enabled(), k.Back.Enabled())
	}
	if _, next := topologyRunNext(t, m, topologyKeys("enter")...); next {
		t.Error("an empty directory was accepted")
	}
}

func TestSecurityBackAndForthKeepsInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	m := securityOn(t, 80, 24, dir)
	m = topologyRun(t, m, topologyKeys("down", "enter", "enter")...)
	m = topologyRun(t, m, topologyPaste("-2")...)
	m = update(t, m, topologyKeys("esc")...) // the root goes back; the checks' Cmds are not run
	if m.screen != screenChecks {
		t.Fatalf("esc did not go back:\n%s", view(m))
	}
	m = topologyMove(t, m, 1)
	m = securityChecked(t, m)
	topologyWant(t, m, "› STRICT", "> "+dir+"-2")
}

func TestSecurityInspect(t *testing.T) {
	now := time.Now()
	dir := t.TempDir()
	securityCA(t, dir)

	if r := securityInspect(mesh.CAGenerate, dir, []string{"east", "west", "north"}, 0, now); r.err != nil ||
		!strings.Contains(r.info, "east, west keep their intermediate CA; north get a new one") {
		t.Errorf("a new cluster in a reused CA: %+v", r)
	}
	if r := securityInspect(mesh.CAExisting, dir, []string{"east", "north"}, 0, now); r.err == nil || !strings.Contains(r.err.Error(), "north") {
		t.Errorf("bringing a CA without north's intermediate: %+v", r)
	}

	noKey := securityCopy(t, dir)
	if err := os.Remove(filepath.Join(noKey, certs.RootKeyFile)); err != nil {
		t.Fatal(err)
	}
	if r := securityInspect(mesh.CAGenerate, noKey, []string{"east", "north"}, 0, now); r.err == nil ||
		!strings.Contains(r.err.Error(), `cluster "north": cannot sign its intermediate CA: the root's private key (root-key.pem) is not available`) {
		t.Errorf("a new intermediate without the root key: %+v", r)
	}
	if r := securityInspect(mesh.CAGenerate, noKey, []string{"east"}, 0, now); r.err != nil {
		t.Errorf("reusing intermediates needs no root key: %+v", r)
	}

	lone := securityCopy(t, dir)
	if err := os.Remove(filepath.Join(lone, "east", certs.CAKeyFile)); err != nil {
		t.Fatal(err)
	}
	if r := securityInspect(mesh.CAGenerate, lone, []string{"east"}, 0, now); r.err == nil || !strings.Contains(r.err.Error(), "ca-key.pem is missing") {
		t.Errorf("a certificate without its key: %+v", r)
	}

	orphan := securityCopy(t, dir)
	if err := os.Remove(filepath.Join(orphan, certs.RootCertFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(orphan, certs.RootKeyFile)); err != nil {
		t.Fatal(err)
	}
	if r := securityInspect(mesh.CAGenerate, orphan, []string{"east"}, 0, now); r.err == nil || !strings.Contains(r.err.Error(), "a new root cannot reuse it") {
		t.Errorf("intermediates without their root: %+v", r)
	}

	other := t.TempDir()
	securityWriteCA(t, other, 1)
	mixed := securityCopy(t, dir)
	for _, f := range []string{certs.CACertFile, certs.CAKeyFile} {
		data, err := os.ReadFile(filepath.Join(other, "east", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mixed, "east", f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if r := securityInspect(mesh.CAGenerate, mixed, []string{"east"}, 0, now); r.err == nil ||
		!strings.Contains(r.err.Error(), "cannot be reused") || !strings.Contains(r.err.Error(), "is not signed by") {
		t.Errorf("an intermediate of another root: %+v", r)
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := securityInspect(mesh.CAGenerate, file, []string{"east"}, 0, now); r.err == nil || !strings.Contains(r.err.Error(), "is not a directory") {
		t.Errorf("a file: %+v", r)
	}
	if r := securityInspect(mesh.CAGenerate, dir, []string{"east"}, 0, now.Add(3649*24*time.Hour)); len(r.warns) == 0 {
		t.Errorf("a CA ending within 30 days gives no warning: %+v", r)
	}
}

func TestSecurityFitsTheTerminal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("a-very-long-directory-name/", 4))
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		m := securityOn(t, size[0], size[1], dir)
		checkFits(t, m, size[0], size[1])
		m = topologyRun(t, m, topologyKeys("enter", "down")...)
		m = securityChecked(t, m)
		checkFits(t, m, size[0], size[1])
		m = topologyRun(t, m, topologyKeys("enter")...)
		checkFits(t, m, size[0], size[1])
	}
}
