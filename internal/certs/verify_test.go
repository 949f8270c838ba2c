package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"
	"time"
)

// signedByRoot makes an Intermediate for "east" from tmpl signed by the root,
// with a correct chain and root copy, so only tmpl's flaws show.
func signedByRoot(t *testing.T, f fixtures, tmpl *x509.Certificate) *Intermediate {
	t.Helper()
	cert, key := issue(t, tmpl, f.root.Cert, f.root.Key)
	keyPEM, err := marshalKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := encodeCert(cert.Raw)
	return &Intermediate{Cluster: "east", Cert: cert, CACertPEM: certPEM, CAKeyPEM: keyPEM,
		CertChainPEM: concatPEM(certPEM, f.root.CertPEM), RootCertPEM: f.root.CertPEM}
}

func TestVerifyExplainsEachProblem(t *testing.T) {
	f := getFixtures(t)
	tamper := func(base *Intermediate, change func(i *Intermediate)) *Intermediate {
		c := *base
		change(&c)
		return &c
	}
	short := testOptions()
	short.Validity = 10 * 24 * time.Hour
	brief, err := f.root.Intermediate("east", short)
	if err != nil {
		t.Fatal(err)
	}
	rootFP, otherFP := Fingerprint(f.root.Cert), Fingerprint(f.other.Cert)

	for _, tc := range []struct {
		name  string
		i     *Intermediate
		now   time.Time
		kinds []error
		says  []string
	}{{
		name: "intermediate of another root",
		i: tamper(f.foreign, func(i *Intermediate) {
			i.CertChainPEM, i.RootCertPEM = concatPEM(i.CACertPEM, f.root.CertPEM), f.root.CertPEM
		}),
		kinds: []error{ErrNotSignedByRoot},
		says: []string{`ca-cert.pem (subject "CN=Intermediate CA,O=Istio,L=east", sha256 ` + Fingerprint(f.foreign.Cert),
			`is not signed by the root (subject "CN=Root CA,O=Istio", sha256 ` + rootFP, "authority key id"},
	}, {
		name:  "swapped key",
		i:     tamper(f.east, func(i *Intermediate) { i.CAKeyPEM = f.west.CAKeyPEM }),
		kinds: []error{ErrKeyMismatch},
		says:  []string{"ca-key.pem does not match ca-cert.pem", "public key has sha256"},
	}, {
		name:  "root key as ca-key",
		i:     tamper(f.east, func(i *Intermediate) { i.CAKeyPEM = f.root.KeyPEM }),
		kinds: []error{ErrKeyMismatch},
		says:  []string{"it is the root's key"},
	}, {
		name: "workload certificate instead of a CA",
		i: signedByRoot(t, f, &x509.Certificate{Subject: pkix.Name{CommonName: "leaf"}, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageDigitalSignature}),
		kinds: []error{ErrNotCA, ErrKeyUsage},
		says:  []string{`ca-cert.pem (subject "CN=leaf"`, "is not a CA certificate", "lacks the keyCertSign key usage", "2 problems"},
	}, {
		name: "CA without pathlen:0",
		i: signedByRoot(t, f, &x509.Certificate{Subject: pkix.Name{CommonName: "wide"}, BasicConstraintsValid: true, IsCA: true,
			KeyUsage: x509.KeyUsageCertSign}),
		kinds: []error{ErrPathLen},
		says:  []string{"has no pathlen constraint", "must have pathlen:0"},
	}, {
		name:  "expired intermediate",
		i:     brief,
		now:   t0.Add(20 * 24 * time.Hour),
		kinds: []error{ErrExpired},
		says:  []string{"ca-cert.pem (subject", "expired on 2026-03-11T12:00:00Z (10 days ago)"},
	}, {
		name:  "everything expired",
		i:     f.east,
		now:   t0.Add(3651 * 24 * time.Hour),
		kinds: []error{ErrExpired, ErrExpired},
		says:  []string{"the root (subject", "ca-cert.pem (subject", "expired on 2036-02-27T12:00:00Z (1 day ago)", "2 problems"},
	}, {
		name:  "not yet valid",
		i:     f.east,
		now:   t0.Add(-time.Hour),
		kinds: []error{ErrNotYetValid, ErrNotYetValid},
		says:  []string{"the root (subject", "2 problems", "is not valid before 2026-03-01T11:55:00Z (now is 2026-03-01T11:00:00Z; check the clocks)"},
	}, {
		name:  "chain in the wrong order",
		i:     tamper(f.east, func(i *Intermediate) { i.CertChainPEM = concatPEM(f.root.CertPEM, i.CACertPEM) }),
		kinds: []error{ErrChain},
		says:  []string{"cert-chain.pem is in the wrong order (the root first, then ca-cert.pem)"},
	}, {
		name:  "chain without the root",
		i:     tamper(f.east, func(i *Intermediate) { i.CertChainPEM = i.CACertPEM }),
		kinds: []error{ErrChain},
		says:  []string{"cert-chain.pem holds only ca-cert.pem, without the root after it"},
	}, {
		name:  "chain of another cluster",
		i:     tamper(f.east, func(i *Intermediate) { i.CertChainPEM = f.west.CertChainPEM }),
		kinds: []error{ErrChain},
		says:  []string{`cert-chain.pem starts with a certificate (subject "CN=Intermediate CA,O=Istio,L=west"`},
	}, {
		name:  "root-cert.pem of another root",
		i:     tamper(f.east, func(i *Intermediate) { i.RootCertPEM = f.other.CertPEM }),
		kinds: []error{ErrRootMismatch},
		says:  []string{"the cluster's root-cert.pem (subject \"CN=Root CA,O=Istio\", sha256 " + otherFP + ") differs from the root", rootFP},
	}, {
		name:  "garbage chain",
		i:     tamper(f.east, func(i *Intermediate) { i.CertChainPEM = []byte("-----BEGIN CERTIFICATE-----\nxx\n") }),
		kinds: []error{ErrMalformed},
		says:  []string{"cert-chain.pem: no PEM certificate found"},
	}, {
		name:  "missing key",
		i:     tamper(f.east, func(i *Intermediate) { i.CAKeyPEM = nil }),
		kinds: []error{ErrMalformed},
		says:  []string{"ca-key.pem: no PEM private key found"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = t0
			}
			err := f.root.Verify(tc.i, now)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify = %v, want a *VerifyError", err)
			}
			if len(ve.Problems) != len(tc.kinds) {
				t.Errorf("%d problems, want %d: %v", len(ve.Problems), len(tc.kinds), err)
			}
			for _, k := range tc.kinds {
				if !errors.Is(err, k) {
					t.Errorf("error is not %v: %v", k, err)
				}
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, `cluster "east": `) {
				t.Errorf("message does not name the cluster: %s", msg)
			}
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("message lacks %q:\n%s", s, msg)
				}
			}
			if strings.Contains(msg, "PRIVATE KEY") {
				t.Errorf("message shows key material")
			}
		})
	}
}

func TestVerifyExpiryWarning(t *testing.T) {
	f := getFixtures(t)
	short := testOptions()
	short.Validity = 40 * 24 * time.Hour
	i, err := f.root.Intermediate("east", short)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.root.Verify(i, t0.Add(9*24*time.Hour)); err != nil {
		t.Errorf("31 days left: %v", err)
	}
	err = f.root.Verify(i, t0.Add(28*24*time.Hour))
	var w *ExpiryWarning
	if !errors.As(err, &w) || !IsWarning(err) {
		t.Fatalf("12 days left: %v, want an *ExpiryWarning", err)
	}
	if w.File != CACertFile || w.Cluster != "east" || w.Left != 12*24*time.Hour {
		t.Errorf("warning = %+v", w)
	}
	want := `cluster "east": ca-cert.pem (subject "CN=Intermediate CA,O=Istio,L=east") expires in 12 days, on 2026-04-10T12:00:00Z; rotate it before then`
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
	// The root ending soon warns about the root.
	err = f.root.Verify(f.east, f.root.Cert.NotAfter.Add(-2*time.Hour))
	if !errors.As(err, &w) || w.Left != 2*time.Hour || !strings.Contains(err.Error(), "expires in less than a day") {
		t.Errorf("root ending: %v", err)
	}
	// A warning never hides a failure.
	bad := *i
	bad.CertChainPEM = i.CACertPEM
	if err := f.root.Verify(&bad, t0.Add(28*24*time.Hour)); IsWarning(err) || !errors.Is(err, ErrChain) {
		t.Errorf("failure with a warning: %v", err)
	}
}

func TestVerifySHA1(t *testing.T) {
	f := getFixtures(t)
	i := signedByRoot(t, f, &x509.Certificate{Subject: pkix.Name{CommonName: "sha1"}, BasicConstraintsValid: true, IsCA: true,
		MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign, SignatureAlgorithm: x509.SHA1WithRSA})
	err := f.root.Verify(i, t0)
	if !errors.Is(err, ErrWeakSignature) || errors.Is(err, ErrNotSignedByRoot) || !strings.Contains(err.Error(), "signed with SHA1-RSA") {
		t.Errorf("Verify: %v", err)
	}
}

func TestVerifyWithoutCertParsesPEM(t *testing.T) {
	f := getFixtures(t)
	i := *f.east
	i.Cert = nil
	if err := f.root.Verify(&i, t0); err != nil {
		t.Error(err)
	}
	i.CACertPEM = []byte("nothing")
	if err := f.root.Verify(&i, t0); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "ca-cert.pem") {
		t.Errorf("Verify: %v", err)
	}
}
