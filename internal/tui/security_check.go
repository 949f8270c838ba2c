package tui

import (
	"fmt"
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
	return securityInspectGenerate(dir, names, keyBits, now)
}

// securityInspectGenerate renders certs.Preview of dir: what certs.EnsureDir
// reuses and what it generates there, or why it cannot.
func securityInspectGenerate(dir string, names []string, keyBits int, now time.Time) securityCAReport {
	p, err := certs.Preview(dir, names, certs.Options{KeyBits: keyBits, Now: func() time.Time { return now }})
	if err != nil {
		return securityCAReport{err: err}
	}
	var rep securityCAReport
	for _, w := range p.Warnings {
		rep.warns = append(rep.warns, w.Error())
	}
	switch {
	case !p.Exists:
		rep.info = dir + " does not exist yet: meshwiz creates it and generates a new root CA and an intermediate CA per cluster there."
		return rep
	case p.Root == certs.Generate:
		rep.info = "meshwiz generates a new root CA and an intermediate CA per cluster in " + dir + "."
		return rep
	case p.Root == certs.Certify:
		rep.info = fmt.Sprintf("%s holds %s without its certificate: meshwiz self-signs a root certificate for that key and generates an intermediate CA per cluster.",
			dir, certs.RootKeyFile)
		return rep
	}
	rep.info = fmt.Sprintf("An existing CA is in %s: it is reused (root %q, sha256 %s…)", dir, p.RootCert.Subject.CommonName,
		certs.Fingerprint(p.RootCert)[:16])
	var kept, issued []string
	for _, c := range p.Clusters {
		if c.Action == certs.Reuse {
			kept = append(kept, c.Name)
		} else {
			issued = append(issued, c.Name)
		}
	}
	if len(kept) > 0 {
		rep.info += "; " + strings.Join(kept, ", ") + " keep their intermediate CA"
	}
	if len(issued) > 0 {
		rep.info += "; " + strings.Join(issued, ", ") + " get a new one"
	}
	rep.info += "."
	return rep
}

// securityCapitalize upper-cases the first letter of an engine message.
func securityCapitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
