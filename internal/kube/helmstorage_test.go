package kube

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestReleaseSecretsAreHelms: what meshwiz's storage driver writes, Helm's
// own Secrets driver reads back (helm list, helm status, istioctl), with
// Helm's name, type and labels; an update keeps it readable.
func TestReleaseSecretsAreHelms(t *testing.T) {
	secrets := fake.NewClientset().CoreV1().Secrets("istio-system")
	ours := newReleaseSecrets(secrets, nil)
	helms := driver.NewSecrets(secrets)
	manifest := strings.Repeat("apiVersion: v1\nkind: ConfigMap\n---\n", 20000)
	rls := &release.Release{Name: "istio-base", Namespace: "istio-system", Version: 1, Manifest: manifest,
		Info:   &release.Info{Status: release.StatusPendingInstall},
		Chart:  &chart.Chart{Metadata: &chart.Metadata{Name: "base", Version: "1.0.0"}},
		Labels: map[string]string{"team": "mesh"}}
	key := "sh.helm.release.v1.istio-base.v1"
	if err := ours.Create(key, rls); err != nil {
		t.Fatal(err)
	}
	if err := ours.Create(key, rls); err != driver.ErrReleaseExists {
		t.Fatalf("second create: %v, want driver.ErrReleaseExists", err)
	}
	rls.Info.Status = release.StatusDeployed
	if err := ours.Update(key, rls); err != nil {
		t.Fatal(err)
	}
	got, err := helms.Get(key)
	if err != nil {
		t.Fatalf("Helm's driver cannot read the release: %v", err)
	}
	if got.Name != rls.Name || got.Manifest != manifest || got.Info.Status != release.StatusDeployed || got.Chart.Metadata.Name != "base" {
		t.Errorf("Helm read back %s %s chart %s, manifest %d bytes", got.Name, got.Info.Status, got.Chart.Metadata.Name, len(got.Manifest))
	}
	list, err := helms.Query(map[string]string{"name": "istio-base", "owner": "helm", "status": "deployed"})
	if err != nil || len(list) != 1 {
		t.Fatalf("Helm's query by its labels: %d releases, %v", len(list), err)
	}
	sec, err := secrets.Get(t.Context(), key, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sec.Type != "helm.sh/release.v1" || sec.Labels["version"] != "1" || sec.Labels["modifiedAt"] == "" || sec.Labels["team"] != "mesh" {
		t.Errorf("secret type %q labels %v", sec.Type, sec.Labels)
	}
	raw, err := base64.StdEncoding.DecodeString(string(sec.Data["release"]))
	if err != nil || !bytes.HasPrefix(raw, []byte{0x1f, 0x8b, 0x08}) {
		t.Errorf("release data is not base64 of gzip (%v)", err)
	}
}
