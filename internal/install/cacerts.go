package install

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// CACertsSecret is the Secret istiod reads its signing CA from.
const CACertsSecret = "cacerts"

// ensureCACerts creates the cacerts Secret from the cluster's intermediate.
// An existing cacerts is kept when it chains to the same root, and is an
// error when it does not (istiod would sign with another root).
func (r *run) ensureCACerts(ctx context.Context, cl *mesh.Cluster) (steps.Result, error) {
	inter := r.env.Certs[cl.Name]
	if inter == nil {
		return steps.Result{}, fmt.Errorf("no intermediate certificate was prepared for cluster %q", cl.Name)
	}
	c := r.client(cl)
	secrets := c.Kube.CoreV1().Secrets(Namespace)
	existing, err := secrets.Get(ctx, CACertsSecret, metav1.GetOptions{})
	switch {
	case err == nil:
		if bytes.Equal(existing.Data["root-cert.pem"], inter.RootCertPEM) {
			return steps.Result{Message: "kept the existing cacerts: it chains to the mesh's root"}, nil
		}
		return steps.Result{}, fmt.Errorf("%s/%s already exists with another root (%s) than the mesh's (%s)",
			Namespace, CACertsSecret, describeRoot(existing.Data["root-cert.pem"]), describeRoot(inter.RootCertPEM))
	case !apierrors.IsNotFound(err):
		return steps.Result{}, fmt.Errorf("reading %s/%s: %w", Namespace, CACertsSecret, err)
	}
	if _, err := secrets.Create(ctx, caCertsSecret(inter.SecretData()), metav1.CreateOptions{FieldManager: FieldManager}); err != nil {
		return steps.Result{}, fmt.Errorf("creating %s/%s: %w", Namespace, CACertsSecret, err)
	}
	if err := r.note(ctx, c, cl.Name, Object{APIVersion: "v1", Kind: "Secret", Namespace: Namespace, Name: CACertsSecret, Change: "created"}); err != nil {
		return steps.Result{}, err
	}
	return steps.Result{Message: fmt.Sprintf("created %s/%s (intermediate for %s, root %s)", Namespace, CACertsSecret, cl.Name, describeRoot(inter.RootCertPEM))}, nil
}

// describeRoot names a PEM root certificate by subject and fingerprint.
func describeRoot(p []byte) string {
	block, _ := pem.Decode(p)
	if block == nil {
		return "no readable root-cert.pem"
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "an unreadable root-cert.pem"
	}
	return fmt.Sprintf("%q sha256 %s…", cert.Subject.String(), certs.Fingerprint(cert)[:16])
}
