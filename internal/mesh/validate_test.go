package mesh

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// valid returns a defaulted, valid mesh of three clusters in the model.
func valid(model Model) *Config {
	c := &Config{Model: model, Clusters: []Cluster{{Context: "hub"}, {Context: "a"}, {Context: "b"}}}
	c.Default()
	return c
}

func multiNetwork(c *Config) {
	for i := range c.Clusters {
		c.Clusters[i].Network = "net-" + c.Clusters[i].Name
	}
}

func TestValidateRules(t *testing.T) {
	mp, pr := MultiPrimary, PrimaryRemote
	cases := []struct {
		name   string
		model  Model
		mutate func(c *Config)
		field  string
		want   string // in the error message
	}{
		{"apiVersion", mp, func(c *Config) { c.APIVersion = "v1" }, "apiVersion", "start the file with apiVersion: meshwiz.dev/v1alpha1"},
		{"kind", mp, func(c *Config) { c.Kind = "" }, "kind", "is missing"},
		{"meshID empty", mp, func(c *Config) { c.MeshID = "" }, "meshID", "set meshID: mesh1"},
		{"meshID invalid", mp, func(c *Config) { c.MeshID = "Mesh_1" }, "meshID", "not a valid mesh ID"},
		{"meshID long", mp, func(c *Config) { c.MeshID = strings.Repeat("m", 64) }, "meshID", "no more than 63"},
		{"model", mp, func(c *Config) { c.Model = "hub-spoke" }, "model", "use multi-primary or primary-remote"},
		{"no clusters", mp, func(c *Config) { c.Clusters = nil }, "clusters", "lists no cluster"},
		{"context empty", mp, func(c *Config) { c.Clusters[1].Context = "" }, "clusters[1].context", "is empty"},
		{"context twice", mp, func(c *Config) { c.Clusters[2].Context = "hub" }, "clusters[2].context", `"hub" is also clusters[0]'s context`},
		{"name empty", mp, func(c *Config) { c.Clusters[0].Name = "" }, "clusters[0].name", "e.g. name: hub"},
		{"name invalid", mp, func(c *Config) { c.Clusters[0].Name = "East_1" }, "clusters[0].name", "e.g. name: east-1"},
		{"name kubernetes", mp, func(c *Config) { c.Clusters[1].Name = "Kubernetes" }, "clusters[1].name", "Istio's default cluster name"},
		{"name twice", mp, func(c *Config) { c.Clusters[2].Name = "a" }, "clusters[2].name", `"a" is also clusters[1]'s name`},
		{"network empty", mp, func(c *Config) { c.Clusters[0].Network = "" }, "clusters[0].network", "set network: network1"},
		{"network invalid", mp, func(c *Config) { c.Clusters[0].Network = "Net 1" }, "clusters[0].network", "e.g. network: net-1"},
		{"role unknown", mp, func(c *Config) { c.Clusters[0].Role = "boss" }, "clusters[0].role", "use role: primary"},
		{"remote in multi-primary", mp, func(c *Config) { c.Clusters[1].Role = Remote }, "clusters[1].role", "set model: primary-remote"},
		{"primary on multi-primary", mp, func(c *Config) { c.Clusters[1].Primary = "hub" }, "clusters[1].primary", "remove it"},
		{"no primary", pr, func(c *Config) { c.Clusters[0].Role = Remote; c.Clusters[0].Primary = "a" }, "clusters", "has no primary"},
		{"no remote", pr, func(c *Config) {
			for i := range c.Clusters {
				c.Clusters[i].Role, c.Clusters[i].Primary = Primary, ""
			}
		}, "clusters", "use model: multi-primary"},
		{"primary unknown", pr, func(c *Config) { c.Clusters[1].Primary = "nope" }, "clusters[1].primary", `"nope" is not a primary cluster (use one of: hub)`},
		{"primary is a remote", pr, func(c *Config) { c.Clusters[1].Primary = "b" }, "clusters[1].primary", `"b" is not a primary cluster`},
		{"primary empty", pr, func(c *Config) { c.Clusters[2].Primary = "" }, "clusters[2].primary", "use one of: hub"},
		{"primary on a primary", pr, func(c *Config) { c.Clusters[0].Primary = "hub" }, "clusters[0].primary", "is set on a primary cluster"},
		{"server http", mp, func(c *Config) { c.Clusters[0].Server = "http://10.0.0.1:6443" }, "clusters[0].server", "not an https:// URL"},
		{"server no host", mp, func(c *Config) { c.Clusters[0].Server = "https://" }, "clusters[0].server", "e.g. https://"},
		{"namespace invalid", mp, func(c *Config) { c.Clusters[0].InjectNamespaces = []string{"Shop"} }, "clusters[0].injectNamespaces[0]", "not a namespace name"},
		{"namespace istio-system", mp, func(c *Config) { c.Clusters[0].InjectNamespaces = []string{"shop", "istio-system"} }, "clusters[0].injectNamespaces[1]", "system namespace"},
		{"namespace kube-system", mp, func(c *Config) { c.Clusters[2].InjectNamespaces = []string{"kube-system"} }, "clusters[2].injectNamespaces[0]", "system namespace"},
		{"namespace twice", mp, func(c *Config) { c.Clusters[0].InjectNamespaces = []string{"a", "a"} }, "clusters[0].injectNamespaces[1]", "listed twice"},
		{"mtls", mp, func(c *Config) { c.Security.MTLS = "DISABLE" }, "security.mtls", "use STRICT or PERMISSIVE"},
		{"mtls lower case", mp, func(c *Config) { c.Security.MTLS = "strict" }, "security.mtls", "write it in capitals: STRICT"},
		{"ca mode", mp, func(c *Config) { c.Security.CA.Mode = "vault" }, "security.ca.mode", "use generate"},
		{"ca dir", mp, func(c *Config) { c.Security.CA.Dir = "" }, "security.ca.dir", "dir: ./meshwiz-certs"},
		{"service type", mp, func(c *Config) { c.EastWestGateway.ServiceType = "ClusterIP" }, "eastWestGateway.serviceType", "use LoadBalancer or NodePort"},
		{"NodePort without IPs", pr, func(c *Config) { c.EastWestGateway.ServiceType = NodePort }, "eastWestGateway.externalIPs", "gateways (hub) need the addresses"},
		{"NodePort, one cluster without IPs", mp, func(c *Config) {
			multiNetwork(c)
			c.EastWestGateway.ServiceType = NodePort
			c.Clusters[0].ExternalIPs = []string{"192.0.2.1"}
			c.Clusters[1].ExternalIPs = []string{"192.0.2.2"}
		}, "clusters[2].externalIPs", "gateway of b needs the addresses"},
		{"NodePort IPs shared", mp, func(c *Config) {
			multiNetwork(c)
			c.EastWestGateway = Gateway{ServiceType: NodePort, ExternalIPs: []string{"192.0.2.1"}}
			c.Clusters[0].ExternalIPs = []string{"192.0.2.9"}
		}, "eastWestGateway.externalIPs", "set clusters[].externalIPs on a, b instead"},
		{"NodePort bad IP", pr, func(c *Config) {
			c.EastWestGateway = Gateway{ServiceType: NodePort, ExternalIPs: []string{"node1:30443"}}
		}, "eastWestGateway.externalIPs[0]", "not an IP address"},
		{"NodePort IP twice", pr, func(c *Config) {
			c.EastWestGateway = Gateway{ServiceType: NodePort, ExternalIPs: []string{"192.0.2.1", "192.0.2.1"}}
		}, "eastWestGateway.externalIPs[1]", "listed twice"},
		{"cluster bad IP", pr, func(c *Config) {
			c.EastWestGateway.ServiceType = NodePort
			c.Clusters[0].ExternalIPs = []string{"300.1.1.1"}
		}, "clusters[0].externalIPs[0]", "not an IP address"},
		{"LoadBalancer with IPs", pr, func(c *Config) { c.EastWestGateway.ExternalIPs = []string{"192.0.2.1"} }, "eastWestGateway.externalIPs", "use serviceType: NodePort, or remove externalIPs"},
		{"LoadBalancer with cluster IPs", pr, func(c *Config) { c.Clusters[0].ExternalIPs = []string{"192.0.2.1"} }, "clusters[0].externalIPs", "set eastWestGateway.serviceType: NodePort"},
		{"IPs without a gateway", mp, func(c *Config) {
			c.EastWestGateway.ServiceType = NodePort
			c.Clusters[1].ExternalIPs = []string{"192.0.2.1"}
		}, "clusters[1].externalIPs", "a gets no east-west gateway"},
		{"chart source", mp, func(c *Config) { c.Istio.Charts.Source = "oci" }, "istio.charts.source", "use embedded, repo or path"},
		{"chart path missing", mp, func(c *Config) { c.Istio.Charts.Source = ChartsPath }, "istio.charts.path", "is empty, but source is path"},
		{"chart path unused", mp, func(c *Config) { c.Istio.Charts.Path = "./charts" }, "istio.charts.path", "set source: path, or remove path"},
		{"repoURL unused", mp, func(c *Config) { c.Istio.Charts.RepoURL = DefaultRepoURL }, "istio.charts.repoURL", "set source: repo"},
		{"repoURL invalid", mp, func(c *Config) { c.Istio.Charts = ChartSource{Source: ChartsRepo, RepoURL: "istio-release"} }, "istio.charts.repoURL", "not a Helm repository URL"},
		{"hub", mp, func(c *Config) { c.Istio.Hub = "" }, "istio.hub", "hub: docker.io/istio"},
		{"version empty", mp, func(c *Config) { c.Istio.Version = "" }, "istio.version", `version: "1.31.0"`},
		{"version v", mp, func(c *Config) { c.Istio.Version = "v1.31.1" }, "istio.version", `drop the v: version: "1.31.1"`},
		// The embedded charts are one release: another patch needs its charts
		// from a repo or a directory, and the fix says how.
		{"version not embedded", mp, func(c *Config) { c.Istio.Version = "1.31.1" }, "istio.version",
			`"1.31.1", but meshwiz's embedded charts are Istio 1.31.0 (use version: "1.31.0" and set istio.tag to choose another image tag, or take the 1.31.1 charts from a repository (istio.charts.source: repo`},
		{"version 1.32 embedded", mp, func(c *Config) { c.Istio.Version = "1.32.0" }, "istio.version", "source: path"},
		{"version line only", mp, func(c *Config) { c.Istio.Version = "1.31" }, "istio.version", "names a line, not a release"},
		{"version unknown line", mp, func(c *Config) {
			c.Istio.Version, c.Istio.Charts = "1.30.2", ChartSource{Source: ChartsRepo, RepoURL: DefaultRepoURL}
		}, "istio.version", "not a line meshwiz installs (1.31, 1.32)"},
		{"version word", mp, func(c *Config) { c.Istio.Version = "latest" }, "istio.version", "not an Istio version"},
		{"version four parts", mp, func(c *Config) { c.Istio.Version = "1.31.1.1" }, "istio.version", "MAJOR.MINOR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid(tc.model)
			if err := c.Validate(); err != nil {
				t.Fatalf("base config invalid: %v", err)
			}
			tc.mutate(c)
			err := c.Validate()
			var found *FieldError
			for _, fe := range FieldErrors(err) {
				if fe.Fix == "" || fe.Problem == "" {
					t.Errorf("incomplete FieldError %#v", fe)
				}
				if fe.Field == tc.field && strings.Contains(fe.Error(), tc.want) {
					found = fe
				}
			}
			if found == nil {
				t.Fatalf("want %s: …%s…, got:\n%v", tc.field, tc.want, err)
			}
			if !strings.Contains(err.Error(), found.Error()) {
				t.Errorf("joined error %q lacks %q", err, found)
			}
		})
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	c := valid(MultiPrimary)
	c.MeshID = ""
	c.Clusters[1].Name = "kubernetes"
	c.Security.MTLS = "OFF"
	err := c.Validate()
	fes := FieldErrors(err)
	if len(fes) != 3 {
		t.Fatalf("want 3 problems, got %d:\n%v", len(fes), err)
	}
	if got := strings.Count(err.Error(), "\n"); got != 2 {
		t.Errorf("want one problem per line:\n%v", err)
	}
}

func TestValidateSingleClusterIsFine(t *testing.T) {
	c := &Config{Clusters: []Cluster{{Context: "kind-solo"}}}
	c.Default()
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestFieldError(t *testing.T) {
	e := &FieldError{Field: "clusters[1].primary", Problem: `"x" is not a primary cluster`, Fix: "use one of: a"}
	if got, want := e.Error(), `clusters[1].primary: "x" is not a primary cluster (use one of: a)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := (&FieldError{Field: "f", Problem: "p"}).Error(); got != "f: p" {
		t.Errorf("no fix: %q", got)
	}
	wrapped := fmt.Errorf("mesh.yaml: %w", errors.Join(e, errors.New("other"), fmt.Errorf("x: %w", e)))
	if got := FieldErrors(wrapped); len(got) != 2 || got[0] != e || got[1] != e {
		t.Errorf("FieldErrors = %v", got)
	}
	if FieldErrors(nil) != nil {
		t.Error("FieldErrors(nil) != nil")
	}
}

func TestValidateContexts(t *testing.T) {
	c := valid(MultiPrimary)
	if err := c.ValidateContexts([]string{"a", "b", "hub", "other"}); err != nil {
		t.Errorf("all present: %v", err)
	}
	err := c.ValidateContexts([]string{"a", "kind-x"})
	fes := FieldErrors(err)
	if len(fes) != 2 || fes[0].Field != "clusters[0].context" || fes[1].Field != "clusters[2].context" {
		t.Fatalf("got %v", err)
	}
	if want := `clusters[0].context: "hub" is not a context in the kubeconfig (use one of: a, kind-x)`; fes[0].Error() != want {
		t.Errorf("got %q, want %q", fes[0], want)
	}
	if err := c.ValidateContexts(nil); err == nil || !strings.Contains(err.Error(), "has no contexts") {
		t.Errorf("no contexts: %v", err)
	}
}

// TestVersionsWithOtherCharts: a release other than the embedded one is
// accepted when its charts come from a repository or a directory, and a line
// is accepted as a chart version when the image tag is set explicitly.
func TestVersionsWithOtherCharts(t *testing.T) {
	for _, tc := range []struct {
		version, tag string
		charts       ChartSource
	}{
		{"1.31.0", "", ChartSource{Source: ChartsEmbedded}},
		{"1.31.0", "1.31.0-distroless", ChartSource{Source: ChartsEmbedded}},
		{"1.31.1", "", ChartSource{Source: ChartsRepo, RepoURL: DefaultRepoURL}},
		{"1.32.0", "", ChartSource{Source: ChartsRepo, RepoURL: "https://blob.istio.io/istio-release/charts"}},
		{"1.32.1", "", ChartSource{Source: ChartsPath, Path: "./charts"}},
		{"1.32", "1.32.1", ChartSource{Source: ChartsRepo, RepoURL: DefaultRepoURL}},
	} {
		c := valid(MultiPrimary)
		c.Istio.Version, c.Istio.Tag, c.Istio.Charts = tc.version, tc.tag, tc.charts
		if err := c.Validate(); err != nil {
			t.Errorf("%s (tag %q, %s): %v", tc.version, tc.tag, tc.charts.Source, err)
		}
	}
	if DefaultIstioVersion != EmbeddedIstioRelease || valid(MultiPrimary).TagOrVersion() != EmbeddedIstioRelease {
		t.Errorf("the default version and image tag are not the embedded release %s", EmbeddedIstioRelease)
	}
}
