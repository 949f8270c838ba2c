package checks

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

func TestGoodClusterPasses(t *testing.T) {
	b := bed(t)
	got := run(t, Options{Clusters: clusters(t, b, "good"), AllowLoopbackServers: true})
	for _, d := range perCluster {
		want := steps.Passed
		expect(t, got, d.id+"@good", want)
	}
	expect(t, got, "cluster/api-reachable@good", steps.Passed, "v1.34.4")
	expect(t, got, "cluster/rbac@good", steps.Passed, "all 17 permissions")
	expect(t, got, "cluster/node-pod-cidrs@good", steps.Passed, "2 nodes")
	expect(t, got, "cluster/reader-token@good", steps.Passed, "the token controller filled default/default-legacy-token")
	expect(t, got, "mesh/api-server-address", steps.Warned, "allow-loopback-servers", "127.0.0.1")
}

// brokenKubeconfig writes a kubeconfig with one context per way of failing
// to reach an API server, all on loopback.
func brokenKubeconfig(t *testing.T, refusedAddr, silentAddr string) string {
	b := bed(t)
	raw, err := clientcmd.LoadFromFile(b.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	good, svc := raw.Clusters["good"], raw.Clusters["svcdup"]
	goodUser, svcUser := raw.AuthInfos["good-admin"], raw.AuthInfos["svcdup-admin"]
	if good == nil || svc == nil || goodUser == nil || svcUser == nil {
		t.Fatalf("unexpected bed kubeconfig: clusters %v users %v", raw.Clusters, raw.AuthInfos)
	}
	cfg := clientcmdapi.NewConfig()
	add := func(name string, cl *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
		cfg.Clusters[name], cfg.AuthInfos[name] = cl, u
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	}
	add("refused", &clientcmdapi.Cluster{Server: "https://" + refusedAddr, CertificateAuthorityData: good.CertificateAuthorityData}, goodUser)
	add("silent", &clientcmdapi.Cluster{Server: "https://" + silentAddr, CertificateAuthorityData: good.CertificateAuthorityData}, goodUser)
	add("wrong-ca", &clientcmdapi.Cluster{Server: good.Server, CertificateAuthorityData: svc.CertificateAuthorityData}, goodUser)
	add("wrong-cert", &clientcmdapi.Cluster{Server: good.Server, CertificateAuthorityData: good.CertificateAuthorityData}, svcUser)
	add("no-plugin", &clientcmdapi.Cluster{Server: good.Server, CertificateAuthorityData: good.CertificateAuthorityData},
		&clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "meshwiz-test-no-such-auth-plugin", APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}})
	path := filepath.Join(t.TempDir(), "broken.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReachabilityFailuresAreToldApart(t *testing.T) {
	// A closed port (refused) and a listener that never answers (timeout).
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refusedAddr := closed.Addr().String()
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	l := kube.Loader{Kubeconfig: brokenKubeconfig(t, refusedAddr, silent.Addr().String())}
	cases := map[string]string{
		"refused":    "connection refused",
		"silent":     "no answer in time",
		"wrong-ca":   "authority the kubeconfig does not trust",
		"wrong-cert": "401",
		"no-plugin":  "the exec plugin meshwiz-test-no-such-auth-plugin cannot run",
	}
	var cls []Cluster
	for name := range cases {
		c, err := l.NewClient(name)
		if err != nil {
			t.Fatal(err)
		}
		c.Config.Timeout = 2 * time.Second
		c, err = kube.NewClientForConfig(name, c.Config)
		if err != nil {
			t.Fatal(err)
		}
		cls = append(cls, Cluster{Client: c, Name: name})
	}
	// DNS: the name is looked up through a resolver on a closed loopback
	// port, so no query leaves the machine.
	dnsCfg := bed(t).Cluster("good").RESTConfig()
	dnsCfg.Host = "https://no-such-host.invalid:6443"
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", refusedAddr)
	}}
	dnsCfg.Dial = (&net.Dialer{Resolver: resolver, Timeout: 2 * time.Second}).DialContext
	dnsClient, err := kube.NewClientForConfig("dns", dnsCfg)
	if err != nil {
		t.Fatal(err)
	}
	cls = append(cls, Cluster{Client: dnsClient, Name: "dns"})
	cases["dns"] = "does not resolve"

	got := run(t, Options{Clusters: cls, AllowLoopbackServers: true})
	hints := map[string]string{"refused": "cluster is running", "dns": "DNS", "wrong-ca": "certificate-authority-data",
		"wrong-cert": "refresh the credentials", "no-plugin": "install the credential plugin", "silent": "unreachable from here"}
	for name, want := range cases {
		expect(t, got, "cluster/api-reachable@"+name, steps.Failed, want)
		if h := got["cluster/api-reachable@"+name].Hint; !strings.Contains(h, hints[name]) {
			t.Errorf("%s: hint %q lacks %q", name, h, hints[name])
		}
		expect(t, got, "cluster/rbac@"+name, steps.Skipped, "did not succeed")
		if e := got["cluster/api-reachable@"+name]; e.Hint == "" {
			t.Errorf("%s: failure without a hint", name)
		}
	}
	expect(t, got, "mesh/duplicate-cluster", steps.Passed, "unreachable")
}

func TestRestrictedCredentials(t *testing.T) {
	b := bed(t)
	got := run(t, Options{Clusters: clusters(t, b, "good-restricted"), AllowLoopbackServers: true})
	expect(t, got, "cluster/api-reachable@good-restricted", steps.Warned, "403")
	if h := got["cluster/api-reachable@good-restricted"].Hint; !strings.Contains(h, "RBAC check") {
		t.Errorf("403 warning hint = %q", h)
	}
	expect(t, got, "cluster/rbac@good-restricted", steps.Failed, "17 of 17 permissions missing", "create namespaces")
	expect(t, got, "cluster/reader-token@good-restricted", steps.Warned, "cannot tell", "may not list secrets")
	expect(t, got, "cluster/node-pod-cidrs@good-restricted", steps.Warned, "403") // a warning-level check
}

func TestKubernetesVersionRange(t *testing.T) {
	b := bed(t)
	for _, tc := range []struct {
		support Support
		status  steps.Status
		words   string
	}{
		{Support{Istio: "1.31", MinKube: 32, MaxKube: 37}, steps.Passed, "1.32 to 1.37"},
		{Support{Istio: "1.31", MinKube: 35, MaxKube: 37}, steps.Failed, "older than Istio 1.31 supports"},
		{Support{Istio: "1.31", MinKube: 30, MaxKube: 33}, steps.Warned, "newer than"},
	} {
		got := run(t, Options{Clusters: clusters(t, b, "good"), Support: []Support{tc.support}, AllowLoopbackServers: true})
		expect(t, got, "cluster/k8s-version@good", tc.status, tc.words)
	}
	if _, err := Plan(Options{Clusters: clusters(t, b, "good"), IstioVersion: "0.8"}); err == nil {
		t.Error("an unknown Istio version was accepted")
	}
}

func TestAdmissionAPIAndTerminatingNamespace(t *testing.T) {
	b := bed(t)
	got := run(t, Options{Clusters: clusters(t, b, "noadm", "good"), MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "cluster/admissionregistration-v1@noadm", steps.Failed, "does not serve admissionregistration.k8s.io/v1")
	expect(t, got, "cluster/admissionregistration-v1@good", steps.Passed)
	expect(t, got, "cluster/istio-namespace-active@noadm", steps.Failed, "terminating")
	expect(t, got, "cluster/istio-namespace-active@good", steps.Passed, "does not exist yet")
}

func TestExistingIstioLeftovers(t *testing.T) {
	b := bed(t)
	got := run(t, Options{Clusters: clusters(t, b, "svcdup"), AllowLoopbackServers: true})
	expect(t, got, "cluster/istio-installed@svcdup", steps.Noted, "1.22.3", "revision default")
	expect(t, got, "cluster/stale-webhooks@svcdup", steps.Failed, "istio-validator-istio-system", "istio-system/istiod")
	expect(t, got, "cluster/existing-ca@svcdup", steps.Noted, "Root One")
	expect(t, got, "cluster/node-pod-cidrs@svcdup", steps.Warned, "bare-node")
	expect(t, got, "cluster/istio-namespace-active@svcdup", steps.Passed, "active")
	got = run(t, Options{Clusters: clusters(t, b, "poddup"), AllowLoopbackServers: true})
	expect(t, got, "cluster/existing-ca@poddup", steps.Noted, "Root Two", "istio-ca-secret")
	expect(t, got, "cluster/stale-webhooks@poddup", steps.Passed, "no Istio webhook configurations")
}

// TestRequestsPerCluster counts the API requests of the full check set on one
// cluster: facts are shared, so it stays small (and no check repeats another's).
func TestRequestsPerCluster(t *testing.T) {
	b := bed(t)
	cls := clusters(t, b, "svcdup", "poddup")
	run(t, Options{Clusters: cls, AllowLoopbackServers: true})
	for _, c := range cls {
		n := c.Client.Requests()
		t.Logf("%s: %d API requests for %d per-cluster and %d cross-cluster checks", c.Client.Context, n, len(perCluster), len(crossCluster))
		// 17 access reviews + version, discovery, nodes, services, namespaces,
		// secrets, deployments, webhooks, mesh config: about 35.
		if n > 40 {
			t.Errorf("%s: %d requests; facts are being fetched more than once", c.Client.Context, n)
		}
	}
}

// TestSupportTable: the release lines meshwiz installs each have a row, a
// patch release finds its line, and 1.32 is not judged by 1.31's row.
func TestSupportTable(t *testing.T) {
	for _, tc := range []struct {
		version, line string
		min, max      int
	}{
		{"1.31.0", "1.31", 32, 37},
		{"1.31", "1.31", 32, 37},
		{"1.32.1", "1.32", 32, 37},
		{"", DefaultIstioVersion, 32, 37},
	} {
		s, err := Options{IstioVersion: tc.version}.support()
		if err != nil || s.Istio != tc.line || s.MinKube != tc.min || s.MaxKube != tc.max {
			t.Errorf("support(%q) = %+v, %v; want %s: 1.%d to 1.%d", tc.version, s, err, tc.line, tc.min, tc.max)
		}
	}
	for _, line := range mesh.SupportedLines {
		if _, err := (Options{IstioVersion: line + ".0"}).support(); err != nil {
			t.Errorf("line %s that meshwiz installs has no Kubernetes support row: %v", line, err)
		}
	}
	if _, err := (Options{IstioVersion: "1.33.0"}).support(); err == nil {
		t.Error("1.33.0 found a support row")
	}
}
