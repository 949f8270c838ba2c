package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"
)

// ecFixtures is a root and an "east" intermediate with P-256 keys: every
// fuzz worker builds them, and RSA keys would take seconds each.
func ecFixtures(f *testing.F) (*Root, *Intermediate) {
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		return k
	}
	o, _ := testOptions().withDefaults()
	root, err := selfSign(key(), o)
	if err != nil {
		f.Fatal(err)
	}
	k := key()
	keyPEM, err := marshalKey(k)
	if err != nil {
		f.Fatal(err)
	}
	east, err := root.sign("east", k, keyPEM, o)
	if err != nil {
		f.Fatal(err)
	}
	return root, east
}

// FuzzPEM feeds the PEM parsers and Root.Verify arbitrary certificate and
// key files: they must never panic, whatever a bring-your-own CA holds.
func FuzzPEM(f *testing.F) {
	root, east := ecFixtures(f)
	f.Add(root.CertPEM, root.KeyPEM)
	f.Add(east.CACertPEM, east.CAKeyPEM)
	f.Add(east.CertChainPEM, root.KeyPEM)
	f.Add(concatPEM(east.CACertPEM, root.CertPEM), []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), []byte{})
	f.Add(bytes.Repeat([]byte("-----BEGIN CERTIFICATE-----\n"), 100), []byte("-----BEGIN EC PRIVATE KEY-----\n\n-----END EC PRIVATE KEY-----"))
	f.Fuzz(func(t *testing.T, certPEM, keyPEM []byte) {
		_, _ = parseCerts(certPEM)
		_, _ = parseKey(keyPEM)
		cert, err := parseOneCert(certPEM)
		if err != nil {
			return
		}
		in := &Intermediate{Cluster: "east", Cert: cert, CACertPEM: certPEM, CAKeyPEM: keyPEM, CertChainPEM: certPEM, RootCertPEM: certPEM}
		_ = root.Verify(in, time.Now())
		_ = (&Root{Cert: cert, CertPEM: certPEM}).Verify(east, time.Now())
	})
}
