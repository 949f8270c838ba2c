package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
)

// EnsureDir makes dir hold a root CA and an intermediate CA for each cluster,
// creating only what is missing: an existing root (with its key) is reused,
// existing intermediates are reused after checking them against the root,
// and a cluster directory with only ca-key.pem (an interrupted run) gets its
// certificate. Re-running after a failure therefore finishes the job, and
// re-running after success changes nothing. Missing intermediates are
// generated in parallel. generated reports whether a new root certificate
// was created (false when dir's root was reused; true also when a lone
// root-key.pem got its certificate).
func EnsureDir(dir string, clusters []string, o Options) (*Root, []*Intermediate, bool, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, nil, false, err
	}
	p, err := Preview(dir, clusters, o)
	if err != nil {
		return nil, nil, false, err
	}
	r := p.root
	if r == nil {
		if r, err = GenerateRoot(o); err != nil {
			return nil, nil, false, err
		}
	}
	inters := make([]*Intermediate, len(clusters))
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k, cp := range p.Clusters {
		if cp.in != nil {
			inters[k] = cp.in
			continue
		}
		c, key := cp.Name, cp.key
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if key == nil {
				gen, err := rsa.GenerateKey(rand.Reader, o.KeyBits)
				if err != nil {
					errs[k] = fmt.Errorf("cluster %q: generate intermediate CA key: %w", c, err)
					return
				}
				key = gen
			}
			inters[k], errs[k] = r.sign(c, key, cp.keyPEM, o)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, false, err
	}
	if err := Write(dir, r, inters); err != nil {
		return nil, nil, false, err
	}
	return r, inters, p.Root != Reuse, nil
}

// ensureRoot loads dir's root, self-signs a certificate for a lone
// root-key.pem, or returns no root (and true) when a new one is generated.
func ensureRoot(dir string, o Options) (*Root, bool, error) {
	if _, ok, err := readOptional(filepath.Join(dir, RootCertFile)); err != nil || ok {
		if err != nil {
			return nil, false, err
		}
		r, err := LoadRoot(dir)
		return r, false, err
	}
	keyPath := filepath.Join(dir, RootKeyFile)
	keyPEM, ok, err := readOptional(keyPath)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, true, nil
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", keyPath, err)
	}
	r, err := selfSign(key, o)
	if err != nil {
		return nil, false, fmt.Errorf("%s: self-sign root CA: %w", keyPath, err)
	}
	r.KeyPEM = keyPEM
	return r, true, nil
}

// existingIntermediate returns the cluster's usable intermediate from disk,
// or the key of a half-written one, or nothing. r is nil when a new root is
// generated.
func existingIntermediate(dir, cluster string, r *Root, o Options) (*Intermediate, crypto.Signer, []byte, error) {
	d := filepath.Join(dir, cluster)
	certPath, keyPath := filepath.Join(d, CACertFile), filepath.Join(d, CAKeyFile)
	certPEM, hasCert, err := readOptional(certPath)
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, hasKey, err := readOptional(keyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	if hasCert && !hasKey {
		return nil, nil, nil, fmt.Errorf("cluster %q: %s exists but %s is missing; remove %s to issue a new intermediate CA", cluster, certPath, keyPath, d)
	}
	if !hasKey {
		return nil, nil, nil, nil
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cluster %q: %s: %w", cluster, keyPath, err)
	}
	if !hasCert {
		return nil, key, keyPEM, nil
	}
	if r == nil {
		return nil, nil, nil, fmt.Errorf("%s exists but %s does not: a new root cannot reuse it; move %s away, or add the root it was signed with",
			certPath, filepath.Join(dir, RootCertFile), d)
	}
	cert, err := parseOneCert(certPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cluster %q: %s: %w", cluster, certPath, err)
	}
	rootPEM := r.certPEM()
	in := &Intermediate{Cluster: cluster, Cert: cert, CACertPEM: certPEM, CAKeyPEM: keyPEM,
		CertChainPEM: concatPEM(certPEM, rootPEM), RootCertPEM: rootPEM}
	if err := r.Verify(in, o.Now()); err != nil && !IsWarning(err) {
		return nil, nil, nil, fmt.Errorf("%s cannot be reused (remove %s to issue a new one): %w", certPath, d, err)
	}
	return in, nil, nil, nil
}
