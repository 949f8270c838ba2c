package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testOptions() Options {
	return Options{KeyBits: 2048, Now: func() time.Time { return t0 }}
}

// fixtures are generated once (RSA key generation dominates the run time);
// tests copy before changing them.
type fixtures struct {
	root, other *Root
	east, west  *Intermediate // from root
	foreign     *Intermediate // "east" from other
}

var (
	fixOnce sync.Once
	fix     fixtures
	fixErr  error
)

func getFixtures(t testing.TB) fixtures {
	t.Helper()
	fixOnce.Do(func() {
		o := testOptions()
		if fix.root, fixErr = GenerateRoot(o); fixErr != nil {
			return
		}
		if fix.other, fixErr = GenerateRoot(o); fixErr != nil {
			return
		}
		if fix.east, fixErr = fix.root.Intermediate("east", o); fixErr != nil {
			return
		}
		if fix.west, fixErr = fix.root.Intermediate("west", o); fixErr != nil {
			return
		}
		fix.foreign, fixErr = fix.other.Intermediate("east", o)
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

func near(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -10*time.Minute || d > 10*time.Minute {
		t.Errorf("%s = %v, want about %v", what, got, want)
	}
}

func checkCA(t *testing.T, c *x509.Certificate) {
	t.Helper()
	if !c.BasicConstraintsValid || !c.IsCA {
		t.Errorf("%s: BasicConstraintsValid=%v IsCA=%v, want CA", c.Subject, c.BasicConstraintsValid, c.IsCA)
	}
	want := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign
	if c.KeyUsage != want {
		t.Errorf("%s: KeyUsage = %b, want %b", c.Subject, c.KeyUsage, want)
	}
	if c.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("%s: SignatureAlgorithm = %v", c.Subject, c.SignatureAlgorithm)
	}
	if c.PublicKeyAlgorithm != x509.RSA || c.PublicKey.(*rsa.PublicKey).N.BitLen() != 2048 {
		t.Errorf("%s: public key is not 2048-bit RSA", c.Subject)
	}
	near(t, "NotBefore", c.NotBefore, t0)
	near(t, "NotAfter", c.NotAfter, t0.Add(3650*24*time.Hour))
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() < 64 {
		t.Errorf("%s: serial %v is not a large random number", c.Subject, c.SerialNumber)
	}
	if len(c.SubjectKeyId) == 0 {
		t.Errorf("%s: no subject key id", c.Subject)
	}
	for _, ext := range c.Extensions {
		if (ext.Id.Equal([]int{2, 5, 29, 19}) || ext.Id.Equal([]int{2, 5, 29, 15})) && !ext.Critical {
			t.Errorf("%s: extension %v is not critical", c.Subject, ext.Id)
		}
	}
}

func TestRootConventions(t *testing.T) {
	f := getFixtures(t)
	c := f.root.Cert
	checkCA(t, c)
	if c.Subject.CommonName != "Root CA" || fmt.Sprint(c.Subject.Organization) != "[Istio]" || len(c.Subject.Locality) != 0 {
		t.Errorf("subject = %q", c.Subject)
	}
	if c.Issuer.String() != c.Subject.String() || c.CheckSignatureFrom(c) != nil {
		t.Errorf("root is not self-signed")
	}
	if c.MaxPathLen != -1 {
		t.Errorf("root has a path length constraint: %d", c.MaxPathLen)
	}
	if f.root.Cert.SerialNumber.Cmp(f.other.Cert.SerialNumber) == 0 {
		t.Error("two roots share a serial number")
	}
	if !strings.HasPrefix(string(f.root.KeyPEM), "-----BEGIN RSA PRIVATE KEY-----") {
		t.Error("root key is not PKCS#1 PEM")
	}
}

func TestIntermediateConventions(t *testing.T) {
	f := getFixtures(t)
	i := f.east
	c := i.Cert
	checkCA(t, c)
	if c.Subject.CommonName != "Intermediate CA" || fmt.Sprint(c.Subject.Organization) != "[Istio]" || fmt.Sprint(c.Subject.Locality) != "[east]" {
		t.Errorf("subject = %q", c.Subject)
	}
	if c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("MaxPathLen = %d, MaxPathLenZero = %v; want pathlen:0", c.MaxPathLen, c.MaxPathLenZero)
	}
	if fmt.Sprint(c.DNSNames) != "[istiod.istio-system.svc]" {
		t.Errorf("DNSNames = %v", c.DNSNames)
	}
	if err := c.CheckSignatureFrom(f.root.Cert); err != nil {
		t.Errorf("not signed by the root: %v", err)
	}
	if string(i.CertChainPEM) != string(i.CACertPEM)+string(f.root.CertPEM) {
		t.Error("cert-chain.pem is not ca-cert.pem + root-cert.pem")
	}
	if string(i.RootCertPEM) != string(f.root.CertPEM) {
		t.Error("root-cert.pem is not the root")
	}
	if err := f.root.Verify(i, t0); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if got := fmt.Sprint(Fingerprint(c)); len(got) != 64 || strings.ToLower(got) != got {
		t.Errorf("Fingerprint = %q", got)
	}
}

func issue(t *testing.T, tmpl *x509.Certificate, parent *x509.Certificate, signer crypto.Signer) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = t0.Add(-time.Hour), t0.Add(24*time.Hour)
	if parent == nil {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestWorkloadChainVerifies(t *testing.T) {
	f := getFixtures(t)
	caKey, err := parseKey(f.east.CAKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	spiffe, _ := url.Parse("spiffe://cluster.local/ns/default/sa/default")
	leaf, _ := issue(t, &x509.Certificate{
		URIs:        []*url.URL{spiffe},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}, f.east.Cert, caKey)
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(), CurrentTime: t0,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	opts.Roots.AddCert(f.root.Cert)
	opts.Intermediates.AddCert(f.east.Cert)
	chains, err := leaf.Verify(opts)
	if err != nil {
		t.Fatalf("workload certificate from the east intermediate does not verify against the root: %v", err)
	}
	if len(chains) != 1 || len(chains[0]) != 3 {
		t.Errorf("chains = %v", chains)
	}
	// The other root does not trust it.
	opts.Roots = x509.NewCertPool()
	opts.Roots.AddCert(f.other.Cert)
	if _, err := leaf.Verify(opts); err == nil {
		t.Error("leaf verifies against an unrelated root")
	}
	// pathlen:0 stops a sub-CA under the intermediate.
	sub, subKey := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "sub"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, f.east.Cert, caKey)
	leaf2, _ := issue(t, &x509.Certificate{DNSNames: []string{"x"}}, sub, subKey)
	opts.Roots = x509.NewCertPool()
	opts.Roots.AddCert(f.root.Cert)
	opts.Intermediates.AddCert(sub)
	if _, err := leaf2.Verify(opts); err == nil {
		t.Error("a leaf under a sub-CA of a pathlen:0 intermediate verifies")
	}
}

func TestIntermediateNeverOutlivesRoot(t *testing.T) {
	f := getFixtures(t)
	o := testOptions()
	o.Now = func() time.Time { return t0.Add(365 * 24 * time.Hour) }
	i, err := f.root.Intermediate("late", o)
	if err != nil {
		t.Fatal(err)
	}
	if !i.Cert.NotAfter.Equal(f.root.Cert.NotAfter) {
		t.Errorf("NotAfter = %v, want the root's %v", i.Cert.NotAfter, f.root.Cert.NotAfter)
	}
	o.Now = func() time.Time { return f.root.Cert.NotAfter.Add(time.Hour) }
	if _, err := f.root.Intermediate("x", o); err == nil || !strings.Contains(err.Error(), "root CA expired") {
		t.Errorf("signing with an expired root: %v", err)
	}
}

func TestGenerateErrors(t *testing.T) {
	f := getFixtures(t)
	if _, err := GenerateRoot(Options{KeyBits: 1024}); err == nil || !strings.Contains(err.Error(), "too small") {
		t.Errorf("1024 bits: %v", err)
	}
	if _, err := GenerateRoot(Options{Validity: -time.Hour}); err == nil {
		t.Error("negative validity accepted")
	}
	certOnly := &Root{Cert: f.root.Cert, CertPEM: f.root.CertPEM}
	if _, err := certOnly.Intermediate("east", testOptions()); err == nil || !strings.Contains(err.Error(), "root-key.pem") || !strings.Contains(err.Error(), `"east"`) {
		t.Errorf("signing without the root key: %v", err)
	}
	for _, name := range []string{"", "a/b", "..", ".hidden", `c\d`} {
		if _, err := f.root.Intermediate(name, testOptions()); err == nil {
			t.Errorf("cluster name %q accepted", name)
		}
	}
}

func TestFormatRedactsKeys(t *testing.T) {
	f := getFixtures(t)
	for _, v := range []any{f.root, *f.root, f.east, *f.east} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "PRIVATE") || strings.Contains(out, "2d2d2d2d2d") || !strings.Contains(out, "<redacted>") {
				t.Errorf("%s of %T = %q", verb, v, out)
			}
		}
	}
}

// TestIstioDefaults4096 generates with the defaults (4096-bit keys) once.
func TestIstioDefaults4096(t *testing.T) {
	if testing.Short() {
		t.Skip("4096-bit keys are slow")
	}
	start := time.Now()
	r, err := GenerateRoot(Options{})
	if err != nil {
		t.Fatal(err)
	}
	i, err := r.Intermediate("c1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("4096-bit root + intermediate: %v", time.Since(start).Round(time.Millisecond))
	for _, c := range []*x509.Certificate{r.Cert, i.Cert} {
		if n := c.PublicKey.(*rsa.PublicKey).N.BitLen(); n != 4096 {
			t.Errorf("%s: %d-bit key", c.Subject, n)
		}
		near(t, "NotAfter", c.NotAfter, time.Now().Add(3650*24*time.Hour))
	}
	if err := r.Verify(i, time.Time{}); err != nil {
		t.Error(err)
	}
}

// BenchmarkGenerateRootAnd3Intermediates4096 is one root and three cluster
// intermediates with Istio's 4096-bit keys, one after the other.
func BenchmarkGenerateRootAnd3Intermediates4096(b *testing.B) {
	for b.Loop() {
		r, err := GenerateRoot(Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []string{"c1", "c2", "c3"} {
			if _, err := r.Intermediate(c, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEnsureDir3Clusters4096 is the same through EnsureDir, which
// generates the intermediates in parallel and writes the files.
func BenchmarkEnsureDir3Clusters4096(b *testing.B) {
	for b.Loop() {
		if _, _, _, err := EnsureDir(b.TempDir(), []string{"c1", "c2", "c3"}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
