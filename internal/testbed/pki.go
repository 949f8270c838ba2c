package testbed

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// restrictedUser is the user name of a ClusterSpec.RestrictedUser token.
const restrictedUser = "meshwiz-restricted"

// pki holds one cluster's credentials: file paths for the processes and
// PEM bytes for in-process clients.
type pki struct {
	dir string

	caCert, caKey        string // files
	servingCert, servKey string
	saKey, saPub         string
	tokenFile            string // "" when there is no static token

	caPEM                     []byte
	adminCertPEM, adminKeyPEM []byte
	kcmCertPEM, kcmKeyPEM     []byte
	schedCertPEM, schedKeyPEM []byte
	restrictedToken           string // "" unless RestrictedUser
}

// keyPair is a certificate with its key.
type keyPair struct {
	cert *x509.Certificate
	key  crypto.Signer
	der  []byte
}

// newPKI writes a fresh CA, the apiserver serving certificate, the client
// certificates of admin, kube-controller-manager and kube-scheduler, the
// service-account key pair and the static token file into dir. Private keys
// are written 0600.
func newPKI(dir, firstServiceIP string, restricted bool) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{dir: dir}
	now := time.Now()

	ca, err := issue(nil, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "meshwiz-testbed-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	})
	if err != nil {
		return nil, fmt.Errorf("CA: %w", err)
	}
	if p.caPEM, p.caCert, p.caKey, err = p.write("ca", ca); err != nil {
		return nil, err
	}

	svcIP := net.ParseIP(firstServiceIP)
	if svcIP == nil {
		return nil, fmt.Errorf("bad first service IP %q", firstServiceIP)
	}
	serving, err := issue(ca, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.AddDate(10, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), svcIP},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
	})
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	if _, p.servingCert, p.servKey, err = p.write("apiserver", serving); err != nil {
		return nil, err
	}

	client := func(file, cn string, orgs ...string) (certPEM, keyPEM []byte, err error) {
		kp, err := issue(ca, &x509.Certificate{
			Subject:     pkix.Name{CommonName: cn, Organization: orgs},
			NotBefore:   now.Add(-time.Hour),
			NotAfter:    now.AddDate(10, 0, 0),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("%s certificate: %w", file, err)
		}
		certPEM, _, keyFile, err := p.write(file, kp)
		if err != nil {
			return nil, nil, err
		}
		keyPEM, err = os.ReadFile(keyFile)
		return certPEM, keyPEM, err
	}
	if p.adminCertPEM, p.adminKeyPEM, err = client("admin", "kubernetes-admin", "system:masters"); err != nil {
		return nil, err
	}
	if p.kcmCertPEM, p.kcmKeyPEM, err = client("kube-controller-manager", "system:kube-controller-manager"); err != nil {
		return nil, err
	}
	if p.schedCertPEM, p.schedKeyPEM, err = client("kube-scheduler", "system:kube-scheduler"); err != nil {
		return nil, err
	}

	sa, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("service-account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		return nil, err
	}
	p.saKey, p.saPub = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := writePEM(p.saKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(sa), 0o600); err != nil {
		return nil, err
	}
	if err := writePEM(p.saPub, "PUBLIC KEY", pub, 0o644); err != nil {
		return nil, err
	}

	if restricted {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		p.restrictedToken = "meshwiz-restricted-" + hex.EncodeToString(b)
		p.tokenFile = filepath.Join(dir, "tokens.csv")
		line := fmt.Sprintf("%s,%s,uid-%s\n", p.restrictedToken, restrictedUser, restrictedUser)
		if err := os.WriteFile(p.tokenFile, []byte(line), 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// issue creates an ECDSA P-256 key and a certificate from tmpl, signed by
// parent (self-signed when parent is nil).
func issue(parent *keyPair, tmpl *x509.Certificate) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	signerCert, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key, der: der}, nil
}

// write stores <name>.crt (0644) and <name>.key (0600) and returns the
// certificate PEM and both paths.
func (p *pki) write(name string, kp *keyPair) (certPEM []byte, certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(p.dir, name+".crt"), filepath.Join(p.dir, name+".key")
	keyDER, err := x509.MarshalECPrivateKey(kp.key.(*ecdsa.PrivateKey))
	if err != nil {
		return nil, "", "", err
	}
	if err := writePEM(keyFile, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return nil, "", "", err
	}
	if err := writePEM(certFile, "CERTIFICATE", kp.der, 0o644); err != nil {
		return nil, "", "", err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kp.der}), certFile, keyFile, nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		return err
	}
	return os.Chmod(path, mode) // WriteFile honours the umask; make the mode exact
}
