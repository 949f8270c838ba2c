package certs

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ExpiryWarnWithin is how close to its end a certificate's validity must be
// for Verify to return an *ExpiryWarning.
const ExpiryWarnWithin = 30 * 24 * time.Hour

// Kinds of problems; test for them with errors.Is on Verify's error (and on
// Load's and LoadRoot's for ErrMalformed and ErrKeyMismatch).
var (
	ErrMalformed       = errors.New("malformed PEM")
	ErrNotSignedByRoot = errors.New("not signed by the root")
	ErrWeakSignature   = errors.New("signed with SHA-1 or MD5")
	ErrKeyMismatch     = errors.New("private key does not match the certificate")
	ErrNotCA           = errors.New("not a CA certificate")
	ErrPathLen         = errors.New("wrong path length constraint")
	ErrKeyUsage        = errors.New("no keyCertSign key usage")
	ErrExpired         = errors.New("expired")
	ErrNotYetValid     = errors.New("not yet valid")
	ErrChain           = errors.New("cert-chain.pem is not ca-cert.pem followed by the root")
	ErrRootMismatch    = errors.New("root-cert.pem differs from the root")
)

// problem is one finding: its message, and its kind for errors.Is.
type problem struct {
	kind error
	msg  string
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

func malformed(format string, args ...any) error {
	return &problem{ErrMalformed, fmt.Sprintf(format, args...)}
}

// VerifyError lists everything wrong with one cluster's intermediate CA.
type VerifyError struct {
	Cluster  string
	Problems []error
}

func (e *VerifyError) Error() string {
	prefix := ""
	if e.Cluster != "" {
		prefix = fmt.Sprintf("cluster %q: ", e.Cluster)
	}
	if len(e.Problems) == 1 {
		return prefix + e.Problems[0].Error()
	}
	msgs := make([]string, len(e.Problems))
	for k, p := range e.Problems {
		msgs[k] = p.Error()
	}
	return fmt.Sprintf("%s%d problems: %s", prefix, len(msgs), strings.Join(msgs, "; "))
}

func (e *VerifyError) Unwrap() []error { return e.Problems }

// ExpiryWarning is Verify's result when everything is right but a
// certificate ends within ExpiryWarnWithin: a warning, not a failure.
type ExpiryWarning struct {
	Cluster  string
	File     string // CACertFile or RootCertFile
	Subject  string
	NotAfter time.Time
	Left     time.Duration
}

func (w *ExpiryWarning) Error() string {
	prefix := ""
	if w.Cluster != "" {
		prefix = fmt.Sprintf("cluster %q: ", w.Cluster)
	}
	return fmt.Sprintf("%s%s (subject %q) expires in %s, on %s; rotate it before then", prefix, w.File, w.Subject, days(w.Left), day(w.NotAfter))
}

// days says d in whole days.
func days(d time.Duration) string {
	switch n := int(d / (24 * time.Hour)); n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	default:
		return fmt.Sprintf("%d days", n)
	}
}

// IsWarning reports whether err is only an *ExpiryWarning.
func IsWarning(err error) bool {
	var w *ExpiryWarning
	return errors.As(err, &w) && err == error(w)
}

// Fingerprint is the lowercase hex SHA-256 of the certificate's DER.
func Fingerprint(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// Verify checks that i is a sound intermediate CA of r at time now (zero:
// time.Now()) and explains every problem it finds: ca-cert.pem not signed by
// this root (with both subjects and fingerprints) or signed with SHA-1,
// ca-key.pem not matching
// ca-cert.pem, ca-cert.pem not a CA or without pathlen:0, a missing
// keyCertSign usage, either certificate expired or not yet valid,
// cert-chain.pem not ca-cert.pem followed by the root, or the cluster's
// root-cert.pem not being the root. The error is a *VerifyError whose
// Problems match the Err* kinds with errors.Is. If the only finding is that a
// certificate ends within ExpiryWarnWithin, it returns an *ExpiryWarning.
func (r *Root) Verify(i *Intermediate, now time.Time) error {
	if now.IsZero() {
		now = time.Now()
	}
	e := &VerifyError{}
	if i != nil {
		e.Cluster = i.Cluster
	}
	add := func(kind error, format string, args ...any) {
		e.Problems = append(e.Problems, &problem{kind, fmt.Sprintf(format, args...)})
	}
	switch {
	case r == nil || r.Cert == nil:
		add(ErrMalformed, "no root certificate to verify against")
		return e
	case i == nil:
		add(ErrMalformed, "no intermediate CA to verify")
		return e
	}
	cert := i.Cert
	if cert == nil {
		var err error
		if cert, err = parseOneCert(i.CACertPEM); err != nil {
			add(ErrMalformed, "%s: %v", CACertFile, err)
			return e
		}
	}
	root, ca := describe("the root", r.Cert), describe(CACertFile, cert)

	// The root itself.
	if !r.Cert.BasicConstraintsValid || !r.Cert.IsCA {
		add(ErrNotCA, "%s is not a CA certificate (no basicConstraints CA:true)", root)
	} else if r.Cert.MaxPathLen == 0 && r.Cert.MaxPathLenZero {
		add(ErrPathLen, "%s has pathlen:0, so it cannot have intermediate CAs", root)
	}
	if r.Cert.KeyUsage != 0 && r.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		add(ErrKeyUsage, "%s lacks the keyCertSign key usage, so it cannot sign %s", root, CACertFile)
	}

	// Signed by the root, with an algorithm Go accepts?
	switch cert.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
		add(ErrWeakSignature, "%s is signed with %v, which Go's x509 verification (so istiod and the proxies) rejects; re-issue it with SHA-256 (macOS LibreSSL can produce these, istio#38049)", ca, cert.SignatureAlgorithm)
	}
	sigErr := r.Cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature)
	if errors.As(sigErr, new(x509.InsecureAlgorithmError)) {
		sigErr = nil // reported above; the signature cannot be checked
	}
	if sameIssuer := bytes.Equal(cert.RawIssuer, r.Cert.RawSubject); sigErr != nil || !sameIssuer {
		why := "its signature does not verify with the root's public key"
		switch {
		case !sameIssuer:
			why = fmt.Sprintf("its issuer is %q", cert.Issuer.String())
		case len(cert.AuthorityKeyId) > 0 && len(r.Cert.SubjectKeyId) > 0 && !bytes.Equal(cert.AuthorityKeyId, r.Cert.SubjectKeyId):
			why = fmt.Sprintf("its authority key id %x is not the root's subject key id %x", cert.AuthorityKeyId, r.Cert.SubjectKeyId)
		}
		add(ErrNotSignedByRoot, "%s is not signed by %s: %s", ca, root, why)
	}

	// ca-key.pem matches ca-cert.pem?
	if key, err := parseKey(i.CAKeyPEM); err != nil {
		add(ErrMalformed, "%s: %v", CAKeyFile, err)
	} else if !samePublicKey(key.Public(), cert.PublicKey) {
		hint := ""
		if samePublicKey(key.Public(), r.Cert.PublicKey) {
			hint = " (it is the root's key)"
		}
		add(ErrKeyMismatch, "%s does not match %s: the key's public key has sha256 %s%s, the certificate's has sha256 %s",
			CAKeyFile, CACertFile, publicKeyFingerprint(key.Public()), hint, publicKeyFingerprint(cert.PublicKey))
	}

	// A CA limited to signing workloads?
	if !cert.BasicConstraintsValid || !cert.IsCA {
		add(ErrNotCA, "%s is not a CA certificate (no basicConstraints CA:true), so istiod cannot sign workload certificates with it", ca)
	} else if cert.MaxPathLen != 0 || !cert.MaxPathLenZero {
		have := "no pathlen constraint"
		if cert.MaxPathLen > 0 {
			have = fmt.Sprintf("pathlen:%d", cert.MaxPathLen)
		}
		add(ErrPathLen, "%s has %s; a cluster's intermediate CA must have pathlen:0 (Istio's convention: it signs workloads, not further CAs)", ca, have)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		add(ErrKeyUsage, "%s lacks the keyCertSign key usage, so istiod cannot sign workload certificates with it", ca)
	}

	// Validity.
	var warns []*ExpiryWarning
	for _, c := range []struct {
		file, what string
		cert       *x509.Certificate
	}{{RootCertFile, root, r.Cert}, {CACertFile, ca, cert}} {
		switch left := c.cert.NotAfter.Sub(now); {
		case now.Before(c.cert.NotBefore):
			add(ErrNotYetValid, "%s is not valid before %s (now is %s; check the clocks)", c.what, day(c.cert.NotBefore), day(now))
		case left < 0:
			add(ErrExpired, "%s expired on %s (%s ago)", c.what, day(c.cert.NotAfter), days(-left))
		case left < ExpiryWarnWithin:
			warns = append(warns, &ExpiryWarning{Cluster: i.Cluster, File: c.file, Subject: c.cert.Subject.String(), NotAfter: c.cert.NotAfter, Left: left})
		}
	}

	// cert-chain.pem = ca-cert.pem + root-cert.pem?
	if len(bytes.TrimSpace(i.CertChainPEM)) == 0 {
		add(ErrChain, "%s is empty; it must hold %s followed by the root", CertChainFile, CACertFile)
	} else if chain, err := parseCerts(i.CertChainPEM); err != nil {
		add(ErrMalformed, "%s: %v", CertChainFile, err)
	} else if what := chainProblem(chain, cert, r.Cert); what != "" {
		add(ErrChain, "%s %s; it must hold %s followed by the root", CertChainFile, what, CACertFile)
	}

	// The cluster's copy of root-cert.pem is the root?
	if len(bytes.TrimSpace(i.RootCertPEM)) == 0 {
		add(ErrRootMismatch, "the cluster's %s is empty; it must be a copy of %s", RootCertFile, root)
	} else if certs, err := parseCerts(i.RootCertPEM); err != nil {
		add(ErrMalformed, "the cluster's %s: %v", RootCertFile, err)
	} else if len(certs) != 1 {
		add(ErrRootMismatch, "the cluster's %s holds %d certificates; it must be a copy of %s", RootCertFile, len(certs), root)
	} else if !bytes.Equal(certs[0].Raw, r.Cert.Raw) {
		add(ErrRootMismatch, "the cluster's %s differs from %s", describe(RootCertFile, certs[0]), root)
	}

	if len(e.Problems) > 0 {
		return e
	}
	if len(warns) > 0 {
		first := warns[0]
		for _, w := range warns[1:] {
			if w.NotAfter.Before(first.NotAfter) {
				first = w
			}
		}
		return first
	}
	return nil
}

// chainProblem says what is wrong with chain, "" when it is exactly ca, root.
func chainProblem(chain []*x509.Certificate, ca, root *x509.Certificate) string {
	same := func(a, b *x509.Certificate) bool { return bytes.Equal(a.Raw, b.Raw) }
	switch {
	case len(chain) == 2 && same(chain[0], root) && same(chain[1], ca):
		return "is in the wrong order (the root first, then ca-cert.pem)"
	case same(chain[0], root):
		return "starts with the root, not with " + CACertFile
	case !same(chain[0], ca):
		return fmt.Sprintf("starts with %s, not with %s", describe("a certificate", chain[0]), CACertFile)
	case len(chain) == 1:
		return "holds only " + CACertFile + ", without the root after it"
	case !same(chain[1], root):
		return fmt.Sprintf("has %s after %s instead of the root %s", describe("a certificate", chain[1]), CACertFile, describe("", root))
	case len(chain) > 2:
		return fmt.Sprintf("holds %d certificates instead of 2", len(chain))
	}
	return ""
}

// describe names a certificate by subject and fingerprint.
func describe(name string, c *x509.Certificate) string {
	s := fmt.Sprintf("(subject %q, sha256 %s)", c.Subject.String(), Fingerprint(c))
	if name == "" {
		return s
	}
	return name + " " + s
}

func publicKeyFingerprint(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "?"
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// pemBlocks decodes the PEM blocks of data, in order, and returns what
// follows the last one.
func pemBlocks(data []byte) (blocks []*pem.Block, rest []byte) {
	rest = data
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			return blocks, rest
		}
		blocks, rest = append(blocks, block), r
	}
}

// parseCerts parses one or more PEM certificates and nothing else.
func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	blocks, rest := pemBlocks(data)
	for _, block := range blocks {
		if block.Type != "CERTIFICATE" {
			return nil, malformed("unexpected PEM block %q (want CERTIFICATE)", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, malformed("certificate %d: %v", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, malformed("no PEM certificate found (empty, truncated or corrupted file?)")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, malformed("data after the last PEM certificate (truncated or corrupted file?)")
	}
	return certs, nil
}

func parseOneCert(data []byte) (*x509.Certificate, error) {
	certs, err := parseCerts(data)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, malformed("holds %d certificates, expected 1", len(certs))
	}
	return certs[0], nil
}

// parseKey parses one unencrypted PEM private key: PKCS#1, SEC 1 (an "EC
// PARAMETERS" block may precede it) or PKCS#8. Errors never quote key bytes.
func parseKey(data []byte) (crypto.Signer, error) {
	var found *pem.Block
	blocks, rest := pemBlocks(data)
	for _, block := range blocks {
		if block.Type == "EC PARAMETERS" {
			continue
		}
		if found != nil {
			return nil, malformed("more than one PEM block")
		}
		found = block
	}
	if found == nil {
		return nil, malformed("no PEM private key found (empty, truncated or corrupted file?)")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, malformed("data after the PEM private key (truncated or corrupted file?)")
	}
	if _, ok := found.Headers["Proc-Type"]; ok {
		return nil, malformed("the private key is encrypted; istiod needs it unencrypted")
	}
	var (
		key any
		err error
	)
	switch found.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(found.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(found.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(found.Bytes)
	default:
		return nil, malformed("unexpected PEM block %q (want a private key)", found.Type)
	}
	if err != nil {
		return nil, malformed("%s: %v", found.Type, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, malformed("unsupported private key type %T", key)
	}
	return signer, nil
}
