package tui

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// securityCAReport says what the install will do with the CA directory, or
// why it cannot.
type securityCAReport struct {
	err   error    // the directory cannot be used as it is; the install would fail
	info  string   // what happens: generated, reused, loaded
	warns []string // certificates that end soon
}

// securityCheckMsg carries the report on the CA directory for the values
// identified by key (securityModel.checkKey).
type securityCheckMsg struct {
	key    string
	report securityCAReport
}

// securityCheck returns a Cmd that inspects the CA directory: it reads
// files.
func securityCheck(key, mode, dir string, names []string, keyBits int) tea.Cmd {
	return func() tea.Msg {
		return securityCheckMsg{key: key, report: securityInspect(mode, dir, names, keyBits, time.Now())}
	}
}

// securityInspect checks dir for mode with the engine's own validation,
// without writing anything: in mode existing it runs install.PrepareCerts
// (which only reads then) and collects expiry warnings; in mode generate it
// says whether a CA is there to reuse and whether the parts there can be
// reused, as certs.EnsureDir will find.
func securityInspect(mode, dir string, names []string, keyBits int, now time.Time) securityCAReport {
	if dir == "" {
		return securityCAReport{} // the engine's validation says it is empty
	}
	if mode == mesh.CAExisting {
		cfg := &mesh.Config{Security: mesh.Security{CA: mesh.CA{Mode: mesh.CAExisting, Dir: dir}}}
		for _, n := range names {
			cfg.Clusters = append(cfg.Clusters, mesh.Cluster{Name: n})
		}
		_, msg, err := install.PrepareCerts(cfg, keyBits)
		if err != nil {
			return securityCAReport{err: err}
		}
		rep := securityCAReport{info: securityCapitalize(msg) + "."}
		if root, inters, err := certs.Load(dir, names); err == nil {
			for _, in := range inters {
				if err := root.Verify(in, now); certs.IsWarning(err) {
					rep.warns = append(rep.warns, err.Error())
				}
			}
		}
		return rep
	}
	return securityInspectGenerate(dir, names, now)
}

// securityInspectGenerate previews certs.EnsureDir on dir.
func securityInspectGenerate(dir string, names []string, now time.Time) securityCAReport {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return securityCAReport{info: dir + " does not exist yet: meshwiz creates it and generates a new root CA and an intermediate CA per cluster there."}
	case err != nil:
		return securityCAReport{err: err}
	case !st.IsDir():
		return securityCAReport{err: fmt.Errorf("%s exists and is not a directory", dir)}
	}
	rootPath := filepath.Join(dir, certs.RootCertFile)
	if _, err := os.Stat(rootPath); errors.Is(err, fs.ErrNotExist) {
		for _, n := range names {
			if p := filepath.Join(dir, n, certs.CACertFile); securityExists(p) {
				return securityCAReport{err: fmt.Errorf("%s exists but %s does not: a new root cannot reuse it; move %s away, or add the root it was signed with",
					p, rootPath, filepath.Join(dir, n))}
			}
		}
		if securityExists(filepath.Join(dir, certs.RootKeyFile)) {
			return securityCAReport{info: fmt.Sprintf("%s holds %s without its certificate: meshwiz self-signs a root certificate for that key and generates an intermediate CA per cluster.",
				dir, certs.RootKeyFile)}
		}
		return securityCAReport{info: "meshwiz generates a new root CA and an intermediate CA per cluster in " + dir + "."}
	} else if err != nil {
		return securityCAReport{err: err}
	}
	root, err := certs.LoadRoot(dir)
	if err != nil {
		return securityCAReport{err: err}
	}
	if !now.Before(root.Cert.NotAfter) {
		return securityCAReport{err: fmt.Errorf("%s: the root CA expired on %s; move %s away to start a new mesh root",
			rootPath, root.Cert.NotAfter.UTC().Format(time.RFC3339), dir)}
	}
	var rep securityCAReport
	var kept, issued []string
	for _, n := range names {
		reuse, warn, err := securityIntermediate(dir, n, root, now)
		switch {
		case err != nil:
			return securityCAReport{err: err}
		case reuse:
			kept = append(kept, n)
		default:
			issued = append(issued, n)
		}
		if warn != "" {
			rep.warns = append(rep.warns, warn)
		}
	}
	if len(issued) > 0 && root.Key == nil {
		return securityCAReport{err: fmt.Errorf("cluster %q: cannot sign its intermediate CA: the root's private key (%s) is not available in %s",
			issued[0], certs.RootKeyFile, dir)}
	}
	rep.info = fmt.Sprintf("An existing CA is in %s: it is reused (root %q, sha256 %s…)", dir, root.Cert.Subject.CommonName,
		certs.Fingerprint(root.Cert)[:16])
	if len(kept) > 0 {
		rep.info += "; " + strings.Join(kept, ", ") + " keep their intermediate CA"
	}
	if len(issued) > 0 {
		rep.info += "; " + strings.Join(issued, ", ") + " get a new one"
	}
	rep.info += "."
	return rep
}

// securityIntermediate says whether cluster's intermediate CA in dir is
// reused, as certs.EnsureDir decides: a certificate and its key that verify
// against root are reused; a lone key gets a certificate; nothing gets a new
// intermediate; a certificate without its key, or one that does not verify,
// is an error.
func securityIntermediate(dir, cluster string, root *certs.Root, now time.Time) (reuse bool, warn string, err error) {
	d := filepath.Join(dir, cluster)
	certPath, keyPath := filepath.Join(d, certs.CACertFile), filepath.Join(d, certs.CAKeyFile)
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	for _, e := range []error{certErr, keyErr} {
		if e != nil && !errors.Is(e, fs.ErrNotExist) {
			return false, "", e
		}
	}
	switch {
	case certErr == nil && keyErr != nil:
		return false, "", fmt.Errorf("cluster %q: %s exists but %s is missing; remove %s to issue a new intermediate CA", cluster, certPath, keyPath, d)
	case certErr != nil:
		return false, "", nil
	}
	rootPEM := root.CertPEM
	chain := append(bytes.TrimRight(bytes.Clone(certPEM), "\n"), '\n')
	in := &certs.Intermediate{Cluster: cluster, CACertPEM: certPEM, CAKeyPEM: keyPEM,
		CertChainPEM: append(chain, rootPEM...), RootCertPEM: rootPEM}
	switch err := root.Verify(in, now); {
	case err == nil:
		return true, "", nil
	case certs.IsWarning(err):
		return true, err.Error(), nil
	default:
		return false, "", fmt.Errorf("%s cannot be reused (remove %s to issue a new one): %w", certPath, d, err)
	}
}

func securityExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// securityCapitalize upper-cases the first letter of an engine message.
func securityCapitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
