package checks

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// Installed is an istiod found in a cluster.
type Installed struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Revision  string `json:"revision"`
	Version   string `json:"version"`
}

// Istiods lists the istiod Deployments with their revision and version (the
// image tag of the discovery container).
func (f *Facts) Istiods(ctx context.Context) ([]Installed, error) {
	deps, err := f.IstiodDeployments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Installed, 0, len(deps))
	for _, d := range deps {
		rev := d.Labels["istio.io/rev"]
		if rev == "" {
			rev = "default"
		}
		ver := "unknown"
		for _, c := range d.Spec.Template.Spec.Containers {
			if i := strings.LastIndex(c.Image, ":"); i > 0 && !strings.Contains(c.Image[i:], "/") {
				ver = c.Image[i+1:]
				break
			}
		}
		out = append(out, Installed{Namespace: d.Namespace, Name: d.Name, Revision: rev, Version: ver})
	}
	return out, nil
}

func checkIstioInstalled(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	ist, err := c.facts.Istiods(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	if len(ist) == 0 {
		return steps.Result{Message: "none"}, nil
	}
	parts := make([]string, len(ist))
	for i, x := range ist {
		parts[i] = fmt.Sprintf("%s (revision %s, %s/%s)", x.Version, x.Revision, x.Namespace, x.Name)
	}
	return steps.Result{Details: map[string]any{"istiods": ist}}, fmt.Errorf("Istio is already installed: %s", strings.Join(parts, "; "))
}

func checkNamespaceActive(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	ns, err := c.facts.IstioNamespace(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	switch {
	case ns == nil:
		return steps.Result{Message: IstioNamespace + " does not exist yet"}, nil
	case ns.DeletionTimestamp != nil || ns.Status.Phase == "Terminating":
		return steps.Result{}, fmt.Errorf("%s is terminating since %s: nothing can be installed into it until it is gone", IstioNamespace, ns.DeletionTimestamp)
	}
	return steps.Result{Message: IstioNamespace + " exists and is active"}, nil
}

func checkStaleWebhooks(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	hooks, err := c.facts.IstioWebhooks(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	var stale []string
	var details []Webhook
	for _, w := range hooks {
		if len(w.Missing) > 0 {
			stale = append(stale, fmt.Sprintf("%s %s → %s", w.Kind, w.Name, strings.Join(w.Missing, ", ")))
			details = append(details, w)
		}
	}
	if len(stale) > 0 {
		return steps.Result{Details: map[string]any{"stale": details}},
			fmt.Errorf("%d webhook configuration(s) call Services that do not exist: %s", len(stale), strings.Join(stale, "; "))
	}
	if len(hooks) == 0 {
		return steps.Result{Message: "no Istio webhook configurations"}, nil
	}
	return steps.Result{Message: plural(len(hooks), "Istio webhook configuration", "Istio webhook configurations") + ", none stale"}, nil
}

// Root is a root certificate found in a cluster's cacerts.
type Root struct {
	Subject     string `json:"subject"`
	Fingerprint string `json:"sha256"`
	NotAfter    string `json:"notAfter"`
}

// CARoot returns the root certificate of the cluster's cacerts (root-cert.pem),
// or nil when there is no cacerts.
func (f *Facts) CARoot(ctx context.Context) (*Root, error) {
	secrets, err := f.CASecrets(ctx)
	if err != nil {
		return nil, err
	}
	s := secrets["cacerts"]
	if s == nil {
		return nil, nil
	}
	data := s.Data["root-cert.pem"]
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("context %q: secret %s/cacerts has no PEM certificate in root-cert.pem", f.Client.Context, IstioNamespace)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("context %q: secret %s/cacerts: root-cert.pem: %w", f.Client.Context, IstioNamespace, err)
	}
	sum := sha256.Sum256(cert.Raw)
	return &Root{Subject: cert.Subject.String(), Fingerprint: hex.EncodeToString(sum[:]), NotAfter: cert.NotAfter.UTC().Format("2006-01-02")}, nil
}

func checkExistingCA(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	secrets, err := c.facts.CASecrets(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	if len(secrets) == 0 {
		return steps.Result{Message: "no cacerts or istio-ca-secret"}, nil
	}
	var found []string
	details := map[string]any{}
	if secrets["cacerts"] != nil {
		root, err := c.facts.CARoot(ctx)
		if err != nil {
			return steps.Result{}, err
		}
		found = append(found, fmt.Sprintf("cacerts with root %q (sha256 %s…)", root.Subject, root.Fingerprint[:16]))
		details["root"] = root
	}
	if secrets["istio-ca-secret"] != nil {
		found = append(found, "istio-ca-secret (istiod's self-signed CA)")
	}
	return steps.Result{Details: details}, fmt.Errorf("found %s", strings.Join(found, " and "))
}

// TrustDomain is the trustDomain of the cluster's mesh config ("" when Istio
// has no mesh config; "cluster.local" when the config does not set it).
func (f *Facts) TrustDomain(ctx context.Context) (string, error) {
	cm, err := f.MeshConfigMap(ctx)
	if err != nil || cm == nil {
		return "", err
	}
	var mesh struct {
		TrustDomain string `json:"trustDomain"`
	}
	if err := yaml.Unmarshal([]byte(cm.Data["mesh"]), &mesh); err != nil {
		return "", fmt.Errorf("context %q: configmap %s/istio: mesh: %w", f.Client.Context, IstioNamespace, err)
	}
	if mesh.TrustDomain == "" {
		return "cluster.local", nil
	}
	return mesh.TrustDomain, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
