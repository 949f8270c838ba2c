package certs

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Action says what EnsureDir does with one CA (the root or a cluster's
// intermediate).
type Action int

const (
	// Reuse keeps the certificate and key on disk as they are.
	Reuse Action = iota
	// Certify issues a certificate for a key already on disk (the rest of an
	// interrupted run).
	Certify
	// Generate creates a new key and its certificate.
	Generate
)

// DirPreview is what EnsureDir would do in a directory, found without writing
// anything: the UI renders it and EnsureDir applies it.
type DirPreview struct {
	Dir      string
	Exists   bool              // Dir exists (EnsureDir creates it otherwise)
	Root     Action            // what happens to the root CA
	RootCert *x509.Certificate // the root on disk (Reuse) or self-signed for its key (Certify); nil for Generate
	Clusters []ClusterPreview  // in the order asked for
	Warnings []error           // reused certificates that end soon (each IsWarning)

	root *Root
}

// ClusterPreview is what happens to one cluster's intermediate CA.
type ClusterPreview struct {
	Name   string
	Action Action

	in     *Intermediate // Reuse: the intermediate on disk
	key    crypto.Signer // Certify: its key on disk
	keyPEM []byte
}

// Names returns the clusters whose intermediate CA gets action a, in order.
func (p *DirPreview) Names(a Action) []string {
	var out []string
	for _, c := range p.Clusters {
		if c.Action == a {
			out = append(out, c.Name)
		}
	}
	return out
}

// Preview reads dir and says what EnsureDir(dir, clusters, o) would do, or
// returns the error EnsureDir would return, with the same message. It writes
// nothing and generates no key; a lone root-key.pem gets its certificate
// signed in memory, so that intermediates can be checked against it.
func Preview(dir string, clusters []string, o Options) (*DirPreview, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range clusters {
		if err := checkCluster(c); err != nil {
			return nil, err
		}
		if seen[c] {
			return nil, fmt.Errorf("cluster %q is listed twice", c)
		}
		seen[c] = true
	}
	p := &DirPreview{Dir: dir}
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, fmt.Errorf("%s exists and is not a directory", dir)
	default:
		p.Exists = true
	}
	r, generated, err := ensureRoot(dir, o)
	if err != nil {
		return nil, err
	}
	switch {
	case r == nil:
		p.Root = Generate
	case generated:
		p.Root, p.RootCert = Certify, r.Cert
	default:
		p.Root, p.RootCert = Reuse, r.Cert
		if now := o.Now(); !now.Before(r.Cert.NotAfter) {
			return nil, fmt.Errorf("%s: the root CA expired on %s; move %s away to start a new mesh root",
				filepath.Join(dir, RootCertFile), day(r.Cert.NotAfter), dir)
		}
	}
	p.root = r
	for _, c := range clusters {
		in, key, keyPEM, err := existingIntermediate(dir, c, r, o)
		if err != nil {
			return nil, err
		}
		cp := ClusterPreview{Name: c, Action: Generate, in: in, key: key, keyPEM: keyPEM}
		switch {
		case in != nil:
			cp.Action = Reuse
			if err := r.Verify(in, o.Now()); err != nil {
				p.Warnings = append(p.Warnings, err)
			}
		case key != nil:
			cp.Action = Certify
		}
		if cp.Action != Reuse && r != nil {
			if err := r.canSign(c); err != nil {
				return nil, fmt.Errorf("%w in %s", err, dir)
			}
		}
		p.Clusters = append(p.Clusters, cp)
	}
	return p, nil
}
