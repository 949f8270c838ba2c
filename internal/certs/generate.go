// Package certs creates, stores, loads and checks the CA material of an Istio
// multi-cluster mesh: one shared root CA and, for every cluster, an
// intermediate CA signed by it that goes into the istio-system/cacerts Secret.
//
// It follows the conventions of Istio's tools/certs Makefiles
// (Makefile.selfsigned.mk and common.mk): RSA keys, SHA-256 signatures,
// O=Istio, CN "Root CA" / "Intermediate CA", L=<cluster> and the SAN
// istiod.istio-system.svc on intermediates, critical basicConstraints
// (pathlen:0 on intermediates), critical keyUsage digitalSignature,
// nonRepudiation, keyEncipherment, keyCertSign, and the same on-disk layout
// (root-cert.pem, root-key.pem, <cluster>/{ca-cert,ca-key,cert-chain,root-cert}.pem),
// so its output and the Makefiles' output are interchangeable.
//
// Nothing in this package prints or logs key material: errors name files and
// certificates, never key bytes, and Root and Intermediate redact their keys
// when formatted with fmt.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Istio's tools/certs conventions.
const (
	DefaultKeyBits  = 4096                      // ROOTCA_KEYSZ, INTERMEDIATE_KEYSZ
	DefaultValidity = 3650 * 24 * time.Hour     // ROOTCA_DAYS; common.mk has INTERMEDIATE_DAYS=730, meshwiz uses 3650 for both
	DefaultOrg      = "Istio"                   // ROOTCA_ORG, INTERMEDIATE_ORG
	RootCN          = "Root CA"                 // ROOTCA_CN
	IntermediateCN  = "Intermediate CA"         // INTERMEDIATE_CN
	IstiodSAN       = "istiod.istio-system.svc" // INTERMEDIATE_SAN_DNS
	MinKeyBits      = 2048
)

// Backdate is how far before "now" certificates start to be valid, so that a
// cluster whose clock lags a little behind does not reject a fresh CA.
const Backdate = 5 * time.Minute

// caKeyUsage is "critical, digitalSignature, nonRepudiation, keyEncipherment,
// keyCertSign" (Go always marks keyUsage critical; nonRepudiation is
// ContentCommitment).
const caKeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment |
	x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign

// Options tunes generation. The zero value means Istio's conventions.
type Options struct {
	KeyBits  int              // RSA key size, default 4096 (Istio's convention); tests use 2048
	Validity time.Duration    // default 3650 days for root and intermediates
	Org      string           // default "Istio"
	Now      func() time.Time // default time.Now (tests fix it)
}

func (o Options) withDefaults() (Options, error) {
	if o.KeyBits == 0 {
		o.KeyBits = DefaultKeyBits
	}
	if o.KeyBits < MinKeyBits {
		return o, fmt.Errorf("key size %d bits is too small (minimum %d)", o.KeyBits, MinKeyBits)
	}
	if o.Validity == 0 {
		o.Validity = DefaultValidity
	}
	if o.Validity < 0 {
		return o, fmt.Errorf("validity %v is negative", o.Validity)
	}
	if o.Org == "" {
		o.Org = DefaultOrg
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// Root is the mesh's shared root CA.
type Root struct {
	Cert    *x509.Certificate
	CertPEM []byte
	Key     crypto.Signer // nil when only the cert is known
	KeyPEM  []byte
}

// Intermediate is one cluster's CA: the content of its cacerts Secret.
type Intermediate struct {
	Cluster      string
	Cert         *x509.Certificate
	CACertPEM    []byte // ca-cert.pem
	CAKeyPEM     []byte // ca-key.pem
	CertChainPEM []byte // cert-chain.pem: ca-cert.pem followed by root-cert.pem
	RootCertPEM  []byte // root-cert.pem: a copy of the root
}

// GenerateRoot creates a self-signed root CA: CN "Root CA", O=<Org>,
// critical CA:true, critical keyUsage digitalSignature|nonRepudiation|
// keyEncipherment|keyCertSign, SHA-256 with RSA, a random 128-bit serial.
func GenerateRoot(o Options) (*Root, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("generate root CA: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, o.KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate root CA key: %w", err)
	}
	r, err := selfSign(key, o)
	if err != nil {
		return nil, fmt.Errorf("generate root CA: %w", err)
	}
	return r, nil
}

// selfSign makes a root certificate for key (also used to finish a run that
// was interrupted after writing root-key.pem but before root-cert.pem).
func selfSign(key crypto.Signer, o Options) (*Root, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := o.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject(o.Org, RootCN, ""),
		NotBefore:             now.Add(-Backdate),
		NotAfter:              now.Add(o.Validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              caKeyUsage,
		SignatureAlgorithm:    signatureAlgorithm(key),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyPEM, err := marshalKey(key)
	if err != nil {
		return nil, err
	}
	return &Root{Cert: cert, CertPEM: encodeCert(der), Key: key, KeyPEM: keyPEM}, nil
}

// Intermediate creates the CA of one cluster, signed by r: CN "Intermediate
// CA", O=<Org>, L=<cluster>, critical CA:true with pathlen:0, the root's key
// usages, SAN DNS istiod.istio-system.svc. Its NotAfter never exceeds the
// root's. It needs r.Key. It is safe to call concurrently.
func (r *Root) Intermediate(cluster string, o Options) (*Intermediate, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("cluster %q: %w", cluster, err)
	}
	if err := checkCluster(cluster); err != nil {
		return nil, err
	}
	if err := r.canSign(cluster); err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, o.KeyBits)
	if err != nil {
		return nil, fmt.Errorf("cluster %q: generate intermediate CA key: %w", cluster, err)
	}
	return r.sign(cluster, key, nil, o)
}

func (r *Root) canSign(cluster string) error {
	switch {
	case r == nil || r.Cert == nil:
		return fmt.Errorf("cluster %q: cannot sign its intermediate CA: no root certificate", cluster)
	case r.Key == nil:
		return fmt.Errorf("cluster %q: cannot sign its intermediate CA: the root's private key (%s) is not available", cluster, RootKeyFile)
	case !r.Cert.IsCA:
		return fmt.Errorf("cluster %q: cannot sign its intermediate CA: the root certificate %q is not a CA", cluster, r.Cert.Subject)
	}
	return nil
}

// sign issues the intermediate certificate for key. keyPEM, when set, is the
// key's existing file content, kept byte for byte.
func (r *Root) sign(cluster string, key crypto.Signer, keyPEM []byte, o Options) (*Intermediate, error) {
	fail := func(err error) (*Intermediate, error) {
		return nil, fmt.Errorf("cluster %q: sign intermediate CA: %w", cluster, err)
	}
	if err := r.canSign(cluster); err != nil {
		return nil, err
	}
	now := o.Now()
	if !now.Before(r.Cert.NotAfter) {
		return fail(fmt.Errorf("the root CA expired on %s", day(r.Cert.NotAfter)))
	}
	notAfter := now.Add(o.Validity)
	if notAfter.After(r.Cert.NotAfter) {
		notAfter = r.Cert.NotAfter // an intermediate cannot outlive its root
	}
	serial, err := newSerial()
	if err != nil {
		return fail(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject(o.Org, IntermediateCN, cluster),
		NotBefore:             now.Add(-Backdate),
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              caKeyUsage,
		DNSNames:              []string{IstiodSAN},
		SignatureAlgorithm:    signatureAlgorithm(r.Key),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, r.Cert, key.Public(), r.Key)
	if err != nil {
		return fail(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fail(err)
	}
	if keyPEM == nil {
		if keyPEM, err = marshalKey(key); err != nil {
			return fail(err)
		}
	}
	certPEM := encodeCert(der)
	rootPEM := r.certPEM()
	return &Intermediate{
		Cluster:      cluster,
		Cert:         cert,
		CACertPEM:    certPEM,
		CAKeyPEM:     keyPEM,
		CertChainPEM: concatPEM(certPEM, rootPEM),
		RootCertPEM:  rootPEM,
	}, nil
}

// certPEM is the root certificate as PEM, as loaded or generated.
func (r *Root) certPEM() []byte {
	if len(r.CertPEM) > 0 {
		return r.CertPEM
	}
	return encodeCert(r.Cert.Raw)
}

// subject is O=org, CN=cn[, L=locality] in the Makefiles' attribute order
// (pkix.Name alone would put L first).
func subject(org, cn, locality string) pkix.Name {
	atvs := []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: org},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: cn},
	}
	if locality != "" {
		atvs = append(atvs, pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 7}, Value: locality})
	}
	return pkix.Name{ExtraNames: atvs}
}

// checkCluster rejects names that cannot be a directory of the layout.
func checkCluster(name string) error {
	switch {
	case name == "":
		return errors.New("empty cluster name")
	case strings.ContainsAny(name, `/\`+"\x00"):
		return fmt.Errorf("cluster name %q contains a path separator", name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("cluster name %q starts with a dot", name)
	}
	return nil
}

func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// signatureAlgorithm is SHA-256 with RSA (Istio's default_md = sha256) for
// RSA keys; for other keys Go's default for the key type.
func signatureAlgorithm(key crypto.Signer) x509.SignatureAlgorithm {
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		return x509.SHA256WithRSA
	}
	return x509.UnknownSignatureAlgorithm
}

// marshalKey encodes RSA keys as PKCS#1 ("RSA PRIVATE KEY", what istiod and
// every openssl accept), EC keys as SEC 1 and anything else as PKCS#8.
func marshalKey(key crypto.Signer) ([]byte, error) {
	var block pem.Block
	switch k := key.(type) {
	case *rsa.PrivateKey:
		block = pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("encode key: %w", err)
		}
		block = pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("encode key: %w", err)
		}
		block = pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return pem.EncodeToMemory(&block), nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// concatPEM is `cat a b`, with a newline added if a lacks its final one.
func concatPEM(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b)+1)
	out = append(out, a...)
	if len(a) > 0 && a[len(a)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, b...)
}

func day(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Format redacts the key so that printing a Root with fmt never leaks it.
func (r Root) Format(f fmt.State, _ rune) {
	if r.Cert == nil {
		fmt.Fprint(f, "certs.Root{<no certificate>}")
		return
	}
	fmt.Fprintf(f, "certs.Root{%q sha256:%s key:%s}", r.Cert.Subject.String(), Fingerprint(r.Cert), redacted(r.Key != nil || len(r.KeyPEM) > 0))
}

// Format redacts the key so that printing an Intermediate with fmt never leaks it.
func (i Intermediate) Format(f fmt.State, _ rune) {
	subject, fp := "<no certificate>", ""
	if i.Cert != nil {
		subject, fp = i.Cert.Subject.String(), " sha256:"+Fingerprint(i.Cert)
	}
	fmt.Fprintf(f, "certs.Intermediate{cluster:%q %q%s key:%s}", i.Cluster, subject, fp, redacted(len(i.CAKeyPEM) > 0))
}

func redacted(present bool) string {
	if present {
		return "<redacted>"
	}
	return "<none>"
}
