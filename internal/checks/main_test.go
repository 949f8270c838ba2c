package checks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// The package's bed: four clusters, each misconfigured for some checks.
//   - good: clean (2 nodes, restricted user context "good-restricted").
//   - svcdup: service CIDR equal to good's; Istio 1.22.3 installed with a stale
//     validating webhook, cacerts (root 1), trust domain other.local, a node
//     without pod CIDR.
//   - poddup: pod CIDR equal to good's; cacerts (root 2), istio-ca-secret,
//     Istio 1.31.0, trust domain cluster.local.
//   - noadm: admissionregistration.k8s.io/v1 switched off; istio-system terminating.
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "good", Nodes: 2, RestrictedUser: true},
		{Name: "svcdup", ServiceCIDR: "127.96.0.0/16", PodCIDR: "10.245.0.0/16"},
		{Name: "poddup", PodCIDR: "10.244.0.0/16", ServiceCIDR: "127.98.0.0/16"},
		{Name: "noadm", PodCIDR: "10.247.0.0/16", ServiceCIDR: "127.99.0.0/16",
			APIServerFlags: []string{"--runtime-config=admissionregistration.k8s.io/v1=false"}},
	}})
}

var (
	fixtureOnce sync.Once
	fixtureErr  error
)

// bed returns the shared bed with the misconfigurations applied (once).
func bed(t *testing.T) *testbed.Bed {
	t.Helper()
	b := testbed.Shared()
	fixtureOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		fixtureErr = misconfigure(ctx, b)
	})
	if fixtureErr != nil {
		t.Fatalf("preparing the misconfigured clusters: %v", fixtureErr)
	}
	return b
}

func misconfigure(ctx context.Context, b *testbed.Bed) error {
	root1, root2 := selfSigned("Root One"), selfSigned("Root Two")
	sd := b.Cluster("svcdup").Clientset()
	pd := b.Cluster("poddup").Clientset()
	na := b.Cluster("noadm").Clientset()
	gd := b.Cluster("good").Clientset()
	hold := []string{"meshwiz.test/hold"}
	for _, f := range []func() error{
		func() error { return createNS(ctx, sd, IstioNamespace) },
		func() error { return createIstiod(ctx, sd, "1.22.3") },
		func() error { return createSecret(ctx, sd, "cacerts", map[string][]byte{"root-cert.pem": root1}, nil) },
		func() error { return createMeshConfig(ctx, sd, "trustDomain: other.local\n", nil) },
		func() error {
			fail := admissionv1.Fail
			none := admissionv1.SideEffectClassNone
			_, err := sd.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionv1.ValidatingWebhookConfiguration{
				ObjectMeta: metav1.ObjectMeta{Name: "istio-validator-istio-system", Labels: map[string]string{"istio.io/rev": "default"}},
				Webhooks: []admissionv1.ValidatingWebhook{{Name: "rev.validation.istio.io", FailurePolicy: &fail, SideEffects: &none,
					AdmissionReviewVersions: []string{"v1"},
					ClientConfig:            admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: IstioNamespace, Name: "istiod"}}}},
			}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := sd.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bare-node"}}, metav1.CreateOptions{})
			return err
		},
		func() error { return createNS(ctx, pd, IstioNamespace) },
		func() error { return createIstiod(ctx, pd, "1.31.0") },
		func() error { return createSecret(ctx, pd, "cacerts", map[string][]byte{"root-cert.pem": root2}, nil) },
		func() error {
			return createSecret(ctx, pd, "istio-ca-secret", map[string][]byte{"ca-cert.pem": root2}, nil)
		},
		func() error { return createMeshConfig(ctx, pd, "defaultConfig: {}\n", nil) },
		// good: a service-account-token Secret the token controller filled,
		// as on clusters where some tool asked for one (cluster/reader-token).
		func() error { return filledTokenSecret(ctx, gd, "default", "default-legacy-token") },
		// noadm: istio-system stays Terminating while a ConfigMap holds a finalizer.
		func() error { return createNS(ctx, na, IstioNamespace) },
		func() error { return createMeshConfig(ctx, na, "", hold) },
		func() error { return na.CoreV1().Namespaces().Delete(ctx, IstioNamespace, metav1.DeleteOptions{}) },
	} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func createNS(ctx context.Context, cs kubernetes.Interface, name string) error {
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	return err
}

func createSecret(ctx context.Context, cs kubernetes.Interface, name string, data map[string][]byte, finalizers []string) error {
	_, err := cs.CoreV1().Secrets(IstioNamespace).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: finalizers}, Data: data}, metav1.CreateOptions{})
	return err
}

func createMeshConfig(ctx context.Context, cs kubernetes.Interface, mesh string, finalizers []string) error {
	_, err := cs.CoreV1().ConfigMaps(IstioNamespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "istio", Finalizers: finalizers}, Data: map[string]string{"mesh": mesh}}, metav1.CreateOptions{})
	return err
}

func createIstiod(ctx context.Context, cs kubernetes.Interface, version string) error {
	labels := map[string]string{"app": "istiod"}
	_, err := cs.AppsV1().Deployments(IstioNamespace).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "istiod", Labels: labels},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "discovery", Image: "docker.io/istio/pilot:" + version}}}}},
	}, metav1.CreateOptions{})
	return err
}

// tokenSecret creates a kubernetes.io/service-account-token Secret for the
// ServiceAccount "default" of ns.
func tokenSecret(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	_, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{corev1.ServiceAccountNameKey: "default"}},
		Type:       corev1.SecretTypeServiceAccountToken}, metav1.CreateOptions{})
	return err
}

// filledTokenSecret creates a token Secret and waits until the token
// controller has filled it.
func filledTokenSecret(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	if err := tokenSecret(ctx, cs, ns, name); err != nil {
		return err
	}
	for {
		s, err := cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && len(s.Data[corev1.ServiceAccountTokenKey]) > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s/%s was not filled: %w", ns, name, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// selfSigned returns a PEM root certificate (the key is thrown away).
func selfSigned(cn string) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"Istio"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// run plans and runs the checks for opts and returns the final events by
// "ID@context" (cross-cluster checks by ID).
func run(t *testing.T, opts Options) map[string]steps.Event {
	t.Helper()
	plan, err := Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := steps.Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]steps.Event{}
	for _, e := range sum.Steps {
		out[e.Step.String()] = e
	}
	return out
}

// clusters makes Options.Clusters for contexts of the bed, named after them.
func clusters(t *testing.T, b *testbed.Bed, contexts ...string) []Cluster {
	var out []Cluster
	for _, c := range contexts {
		out = append(out, Cluster{Client: bedtest.Client(t, b, c), Name: c, Network: "net-" + c})
	}
	return out
}

// expect asserts statuses and, optionally, that the message contains words.
func expect(t *testing.T, got map[string]steps.Event, key string, status steps.Status, contains ...string) {
	t.Helper()
	e, ok := got[key]
	if !ok {
		t.Errorf("%s: no such step (have %d)", key, len(got))
		return
	}
	if e.Status != status {
		t.Errorf("%s: status %s, want %s (message: %s)", key, e.Status, status, e.Message)
		return
	}
	for _, w := range contains {
		if !containsFold(e.Message, w) {
			t.Errorf("%s: message %q lacks %q", key, e.Message, w)
		}
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
