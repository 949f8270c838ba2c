package testbed

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPKI(t *testing.T) {
	dir := t.TempDir()
	p, err := newPKI(dir, "127.96.0.1", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ca.key", "apiserver.key", "admin.key", "kube-controller-manager.key",
		"kube-scheduler.key", "sa.key", "tokens.csv"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	ca := parseCert(t, p.caPEM)
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	serving := parseCert(t, mustRead(t, p.servingCert))
	if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: "kubernetes.default.svc.cluster.local"}); err != nil {
		t.Errorf("serving cert: %v", err)
	}
	var ips []string
	for _, ip := range serving.IPAddresses {
		ips = append(ips, ip.String())
	}
	if !slices.Equal(ips, []string{"127.0.0.1", "127.96.0.1"}) {
		t.Errorf("serving IP SANs %v", ips)
	}
	for _, dns := range []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"} {
		if !slices.Contains(serving.DNSNames, dns) {
			t.Errorf("serving cert lacks DNS SAN %s", dns)
		}
	}

	for _, tc := range []struct {
		pem     []byte
		cn, org string
	}{
		{p.adminCertPEM, "kubernetes-admin", "system:masters"},
		{p.kcmCertPEM, "system:kube-controller-manager", ""},
		{p.schedCertPEM, "system:kube-scheduler", ""},
	} {
		c := parseCert(t, tc.pem)
		if c.Subject.CommonName != tc.cn || strings.Join(c.Subject.Organization, ",") != tc.org {
			t.Errorf("client cert subject %v, want CN=%s O=%s", c.Subject, tc.cn, tc.org)
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", tc.cn, err)
		}
	}

	block, _ := pem.Decode(mustRead(t, p.saKey))
	sa, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || sa.N.BitLen() != 2048 {
		t.Errorf("SA key: %v", err)
	}
	block, _ = pem.Decode(mustRead(t, p.saPub))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil || !pub.(*rsa.PublicKey).Equal(&sa.PublicKey) {
		t.Errorf("SA public key does not match: %v", err)
	}
	if tok := string(mustRead(t, p.tokenFile)); !strings.HasPrefix(tok, p.restrictedToken+","+restrictedUser+",") {
		t.Errorf("token file %q", tok)
	}
}

func TestAPIServerAdmissionFlags(t *testing.T) {
	cases := []struct {
		spec ClusterSpec
		want []string
	}{
		{ClusterSpec{}, []string{"MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"}},
		{ClusterSpec{KeepWebhooks: true}, nil},
		{ClusterSpec{KeepWebhooks: true, APIServerFlags: []string{"--runtime-config=admissionregistration.k8s.io/v1=false"}},
			[]string{"MutatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook"}},
		{ClusterSpec{APIServerFlags: []string{"--disable-admission-plugins=DefaultStorageClass,ValidatingAdmissionWebhook", "--v=1"}},
			[]string{"DefaultStorageClass", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"}},
	}
	for i, tc := range cases {
		c := &Cluster{Name: "a", ServiceCIDR: "127.96.0.0/16", spec: tc.spec, pki: &pki{}}
		args := apiserverArgs(c, "http://127.0.0.1:1", 2)
		if got := disabledPlugins(args); !slices.Equal(got, tc.want) {
			t.Errorf("case %d: disabled %v, want %v", i, got, tc.want)
		}
		n := 0
		for _, a := range args {
			if strings.HasPrefix(a, "--disable-admission-plugins") {
				n++
			}
			if strings.HasPrefix(a, "--enable-aggregator-routing") {
				t.Errorf("case %d: %s", i, a)
			}
		}
		if n > 1 {
			t.Errorf("case %d: %d --disable-admission-plugins flags", i, n)
		}
		if !slices.Contains(args, "--bind-address=127.0.0.1") || !slices.Contains(args, "--endpoint-reconciler-type=none") {
			t.Errorf("case %d: loopback flags missing: %v", i, args)
		}
	}
}

func TestDefaults(t *testing.T) {
	specs, err := normalized([]ClusterSpec{{}, {Name: "east", PodCIDR: "10.20.30.0/16"}, {ServiceCIDR: "127.200.0.0/20"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, pod, svc string }{
		{"c0", "10.244.0.0/16", "127.96.0.0/16"},
		{"east", "10.20.0.0/16", "127.97.0.0/16"},
		{"c2", "10.246.0.0/16", "127.200.0.0/20"},
	}
	for i, w := range want {
		s := specs[i]
		if s.Name != w.name || s.PodCIDR != w.pod || s.ServiceCIDR != w.svc || s.Nodes != 1 {
			t.Errorf("spec %d = %+v, want %+v", i, s, w)
		}
	}
	if got := nodeCIDR("10.244.0.0/16", 3); got != "10.244.3.0/24" {
		t.Errorf("nodeCIDR = %s", got)
	}
	if got := nodeCIDR("10.1.254.0/15", 3); got != "10.0.3.0/24" {
		t.Errorf("nodeCIDR of a /15 = %s", got)
	}
	if got := firstServiceIP("127.96.0.0/16"); got != "127.96.0.1" {
		t.Errorf("firstServiceIP = %s", got)
	}
	if LoadBalancerIP(2, 7) != "127.0.12.7" {
		t.Errorf("LoadBalancerIP = %s", LoadBalancerIP(2, 7))
	}
}

func TestTailFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	var b strings.Builder
	for i := range 100 {
		b.WriteString(strings.Repeat("x", i) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(tailFile(path, 3), "\n")
	if len(lines) != 3 || len(lines[2]) != 99 {
		t.Errorf("tail = %q", lines)
	}
	if tailFile(filepath.Join(t.TempDir(), "none"), 3) != "" {
		t.Error("tail of a missing file is not empty")
	}
}

func parseCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestStopEscalates: a child that ignores SIGTERM (and its own child) is
// killed after the grace period, and nothing is left.
func TestStopEscalates(t *testing.T) {
	old := stopGrace
	stopGrace = 300 * time.Millisecond
	t.Cleanup(func() { stopGrace = old })
	dir := t.TempDir()
	ps := &procs{pidsPath: filepath.Join(dir, "pids"), logDir: dir}
	p, err := ps.start("t", "stubborn", "/bin/sh", []string{"-c", `trap "" TERM; sleep 60 & echo $! > ` + dir + `/child; wait`})
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for i := 0; i < 50 && child == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		child, _ = strconv.Atoi(strings.TrimSpace(string(mustReadQuiet(filepath.Join(dir, "child")))))
	}
	if child == 0 {
		t.Fatal("child did not start")
	}
	start := time.Now()
	if err := stopProcesses(ps.all()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < stopGrace {
		t.Errorf("stopped after %v, before the grace period: SIGTERM was not ignored?", d)
	}
	if !p.exited() {
		t.Error("process not reaped")
	}
	for i := 0; i < 50 && pidAlive(child); i++ {
		time.Sleep(20 * time.Millisecond) // the grandchild is reaped by init
	}
	if pidAlive(child) {
		t.Errorf("grandchild %d survived", child)
	}
	if pids := string(mustRead(t, ps.pidsPath)); !strings.Contains(pids, strconv.Itoa(p.pid())+" t-stubborn /bin/sh") {
		t.Errorf("pids file %q", pids)
	}
}

func mustReadQuiet(path string) []byte {
	data, _ := os.ReadFile(path)
	return data
}

func TestLoadBalancerNet(t *testing.T) {
	specs, err := normalized([]ClusterSpec{{Name: "a"}, {Name: "b", LoadBalancerNet: "203.0.113.0/24"}})
	if err != nil {
		t.Fatal(err)
	}
	if specs[0].LoadBalancerNet != "127.0.10.0/24" || specs[1].LoadBalancerNet != "203.0.113.0/24" {
		t.Errorf("LoadBalancerNet defaults: %q %q", specs[0].LoadBalancerNet, specs[1].LoadBalancerNet)
	}
	for _, bad := range []string{"10.0.0.0/24", "203.0.113.0/25", "127.96.0.0/24", "8.8.8.0/24"} {
		if _, err := normalized([]ClusterSpec{{Name: "a", LoadBalancerNet: bad}}); err == nil || !strings.Contains(err.Error(), "LoadBalancerNet") {
			t.Errorf("LoadBalancerNet %q accepted: %v", bad, err)
		}
	}
}

func TestIstiodEnvIsOwnAndOverridable(t *testing.T) {
	t.Setenv("KUBECONFIG", "/var/run/secrets/remote/config")
	t.Setenv("HTTPS_PROXY", "http://192.0.2.1:3128")
	env := istiodEnv("/w", "/w/kubeconfig", IstiodOptions{Namespace: "istio-system", ClusterID: "east",
		Env: []string{"PILOT_REMOTE_CLUSTER_TIMEOUT=5s", "PILOT_ENABLE_ANALYSIS=true"}})
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := got[k]; dup {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}
	for k, want := range map[string]string{"KUBECONFIG": "/w/kubeconfig", "CLUSTER_ID": "east", "USE_REMOTE_CERTS": "true",
		"ROOT_CA_DIR": "/w/cacerts", "INJECTION_WEBHOOK_CONFIG_NAME": "", "VALIDATION_WEBHOOK_CONFIG_NAME": "",
		"PILOT_REMOTE_CLUSTER_TIMEOUT": "5s", "PILOT_ENABLE_ANALYSIS": "true", "POD_NAMESPACE": "istio-system"} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %q (set %v), want %q", k, v, ok, want)
		}
	}
	if _, ok := got["HTTPS_PROXY"]; ok {
		t.Error("the caller's HTTPS_PROXY leaked into istiod's environment")
	}
}
