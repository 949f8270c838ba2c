package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// meshWithExistingCA runs one setup, with a CA the user brought (security
// .ca.mode existing, made by internal/certs beforehand), on b's east and west
// on two networks; lone stays outside the mesh. The read-only status and
// teardown --dry-run subtests then share that one install; the last subtest
// breaks it (teardownPurgesCRDs removes it).
func meshWithExistingCA(t *testing.T, b *testbed.Bed) {
	dir := t.TempDir()
	caDir := filepath.Join(dir, "ca")
	if _, _, _, err := certs.EnsureDir(caDir, []string{"east", "west"}, certs.Options{KeyBits: certs.MinKeyBits}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "mesh.yaml")
	body := `apiVersion: meshwiz.dev/v1alpha1
kind: Mesh
meshID: byo
clusters:
  - context: east
    network: net-east
  - context: west
    network: net-west
security:
  ca:
    mode: existing
    dir: ./ca
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	kc := []string{"--kubeconfig", b.Kubeconfig}
	mesh := append(append([]string(nil), kc...), "--context", "east", "--context", "west")

	t.Run("setup with an existing CA", func(t *testing.T) {
		key := filepath.Join(caDir, "east", certs.CAKeyFile)
		if err := os.Chmod(key, 0o640); err != nil {
			t.Fatal(err)
		}
		r := meshwiz(t, append([]string{"setup", "--config", cfg, "--yes", "--allow-loopback-servers"}, kc...)...)
		r.wantCode(t, exitOK)
		if !strings.Contains(r.errOut, "using the existing CA in "+caDir) {
			t.Errorf("setup does not say it used %s (./ca beside the config):\n%s", caDir, r.errOut)
		}
		if !strings.Contains(r.errOut, "WARNING: the CA private key "+key+" is readable by its group (mode 0640)") || !strings.Contains(r.errOut, "chmod 600 "+key) {
			t.Errorf("setup does not warn about %s (0640):\n%s", key, r.errOut)
		}
		rootPEM, err := os.ReadFile(filepath.Join(caDir, certs.RootCertFile))
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(rootPEM)
		for _, name := range []string{"east", "west"} {
			s, err := b.Cluster(name).Clientset().CoreV1().Secrets(install.Namespace).Get(t.Context(), "cacerts", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("%s: cacerts: %v", name, err)
			}
			if string(s.Data[certs.RootCertFile]) != string(rootPEM) {
				t.Errorf("%s: cacerts root-cert.pem is not the brought root", name)
			}
			mine, _ := os.ReadFile(filepath.Join(caDir, name, certs.CACertFile))
			if string(s.Data[certs.CACertFile]) != string(mine) {
				t.Errorf("%s: cacerts ca-cert.pem is not %s/%s/%s", name, caDir, name, certs.CACertFile)
			}
			blk, _ := pem.Decode(s.Data[certs.CACertFile])
			if blk == nil {
				t.Fatalf("%s: cacerts ca-cert.pem holds no PEM", name)
			}
			cert, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Errorf("%s: the cacerts intermediate does not chain to the brought root: %v", name, err)
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("status healthy, gateway address", func(t *testing.T) {
		r := meshwiz(t, append([]string{"status"}, mesh...)...)
		r.wantCode(t, exitOK)
		for _, name := range []string{"east", "west"} {
			addr := gatewayAddress(t, b.Cluster(name))
			if !strings.Contains(r.out, "address "+addr) {
				t.Errorf("status lacks %s's gateway address %s:\n%s", name, addr, r.out)
			}
		}
		if !strings.Contains(r.out, "one mesh byo") {
			t.Errorf("status does not report one mesh byo:\n%s", r.out)
		}
	})

	t.Run("status JSON document", func(t *testing.T) {
		r := meshwiz(t, append([]string{"status", "-o", "json"}, mesh...)...)
		r.wantCode(t, exitOK)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
			t.Fatalf("status -o json is not one JSON document: %v\n%s", err, r.out)
		}
		if doc["schemaVersion"] != float64(1) {
			t.Errorf("schemaVersion %v, want 1", doc["schemaVersion"])
		}
		results, _ := doc["results"].([]any)
		byID := map[string]map[string]any{}
		for _, it := range results {
			m, _ := it.(map[string]any)
			for _, k := range []string{"id", "title", "severity", "status", "durationMs"} {
				if _, ok := m[k]; !ok {
					t.Errorf("a result has no %q: %v", k, keys(m))
				}
			}
			cluster, _ := m["cluster"].(string)
			id, _ := m["id"].(string)
			byID[id+"@"+cluster] = m
		}
		gw := byID["status/eastwest-gateway@east"]
		if msg, _ := gw["message"].(string); gw["status"] != "passed" || !strings.Contains(msg, "address "+gatewayAddress(t, b.Cluster("east"))) {
			t.Errorf("status/eastwest-gateway for east: %v", gw)
		}
		if m := byID["status/mesh@"]; m["status"] != "passed" {
			t.Errorf("status/mesh: %v", m)
		}
		sum, _ := doc["summary"].(map[string]any)
		if sum["failed"] != float64(0) || sum["passed"] == float64(0) {
			t.Errorf("summary %v", sum)
		}
	})

	t.Run("status with a cluster outside the mesh", func(t *testing.T) {
		r := meshwiz(t, append([]string{"status", "--context", "lone"}, mesh...)...)
		r.wantCode(t, exitChecksFailed)
		for _, want := range []string{"cluster lone is not in the mesh", "meshwiz setup --config", "--context names the cluster you meant"} {
			if !strings.Contains(r.errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
			}
		}
	})

	t.Run("teardown dry run with a cluster unreachable", func(t *testing.T) {
		down := downKubeconfig(t, b.Kubeconfig)
		for _, args := range [][]string{
			{"--context", "east", "--context", "down"}, // one of two: east has a mesh to remove
			{"--context", "down"},                      // the only one
			{"--context", "lone", "--context", "down"}, // one of two: lone has nothing
		} {
			r := meshwiz(t, append([]string{"teardown", "--dry-run", "--kubeconfig", down}, args...)...)
			r.wantCode(t, exitChecksFailed)
			if !strings.Contains(r.errOut, "not reached: down") || !strings.Contains(r.errOut, "a real teardown would leave it untouched") {
				t.Errorf("teardown --dry-run %v: stderr %s", args, r.errOut)
			}
		}
		r := meshwiz(t, "teardown", "--dry-run", "--kubeconfig", down, "--context", "east", "--context", "down", "-o", "json")
		r.wantCode(t, exitChecksFailed)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.out), &doc); err != nil || doc["result"] != "dry-run" {
			t.Errorf("teardown --dry-run -o json: %v %v", err, doc["result"])
		}
		if _, err := b.Cluster("east").Clientset().CoreV1().Secrets(install.Namespace).Get(t.Context(), "cacerts", metav1.GetOptions{}); err != nil {
			t.Errorf("the dry run removed east's cacerts: %v", err)
		}
	})

	t.Run("status of a release left failed", func(t *testing.T) {
		hc, err := bedtest.Client(t, b, "west").Helm(install.Namespace, nil)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := hc.Releases.Last(install.ReleaseIstiod)
		if err != nil {
			t.Fatal(err)
		}
		rel.Info.Status = release.StatusFailed
		if err := hc.Releases.Update(rel); err != nil {
			t.Fatal(err)
		}
		r := meshwiz(t, append([]string{"status"}, mesh...)...)
		r.wantCode(t, exitChecksFailed)
		if !strings.Contains(r.out, "istiod (istiod") || !strings.Contains(r.out, "is failed") || !strings.Contains(r.errOut, "1 status check(s) failed") {
			t.Errorf("a failed istiod release in west:\nstdout %s\nstderr %s", r.out, r.errOut)
		}
	})
}

// gatewayAddress is the load-balancer address of c's east-west gateway.
func gatewayAddress(t *testing.T, c *testbed.Cluster) string {
	t.Helper()
	svc, err := c.Clientset().CoreV1().Services(install.Namespace).Get(t.Context(), install.EastWestService, metav1.GetOptions{})
	if err != nil || len(svc.Status.LoadBalancer.Ingress) == 0 {
		t.Fatalf("%s's east-west gateway: %v %+v", c.Name, err, svc.Status)
	}
	return svc.Status.LoadBalancer.Ingress[0].IP
}
