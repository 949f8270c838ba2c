package mesh

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestSuggestName(t *testing.T) {
	long := strings.Repeat("a", 62) + "-_-" + strings.Repeat("b", 10)
	cases := map[string]string{
		"kind-east":                      "kind-east",
		"gke_my-proj_europe-west1_prod1": "prod1",
		"arn:aws:eks:eu-west-1:123456789012:cluster/payments": "payments",
		"Admin@Cluster.Local":         "admin-cluster-local",
		"kubernetes-admin@kubernetes": "kubernetes-admin-kubernetes",
		"docker-desktop":              "docker-desktop",
		"--Weird__Name--":             "weird-name",
		"k3d-dev.1":                   "k3d-dev-1",
		"Ünïcode":                     "n-code",
		"":                            "cluster",
		"___":                         "cluster",
		"Kubernetes":                  "cluster", // Istio's default is never suggested
		"gke_":                        "gke",
		long:                          strings.Repeat("a", 62), // cut at 63, trailing '-' dropped
	}
	for in, want := range cases {
		got := SuggestName(in)
		if got != want {
			t.Errorf("SuggestName(%q) = %q, want %q", in, got, want)
		}
		if msgs := validation.IsDNS1123Label(got); len(msgs) > 0 {
			t.Errorf("SuggestName(%q) = %q is not a label: %v", in, got, msgs)
		}
	}
}

func TestUniqueLabel(t *testing.T) {
	taken := map[string]bool{"a": true, "a-2": true}
	if got := uniqueLabel("a", taken); got != "a-3" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("x", 63)
	got := uniqueLabel(long, map[string]bool{long: true})
	if len(got) != 63 || !strings.HasSuffix(got, "x-2") {
		t.Errorf("got %q (%d)", got, len(got))
	}
}

func TestDefaultFillsEverything(t *testing.T) {
	c := &Config{Clusters: []Cluster{
		{Context: "gke_p_z_east"},
		{Context: "arn:aws:eks:r:1:cluster/west"},
		{Context: "kind_east"}, // suggests "kind-east"
		{Context: "east"},      // suggests "east", taken by the first
	}}
	c.Default()
	want := &Config{
		APIVersion: APIVersion, Kind: Kind, MeshID: "mesh1", Model: MultiPrimary,
		Istio: Istio{Version: "1.31.0", Hub: "docker.io/istio", Charts: ChartSource{Source: "embedded"}},
		Clusters: []Cluster{
			{Context: "gke_p_z_east", Name: "east", Network: "network1", Role: Primary},
			{Context: "arn:aws:eks:r:1:cluster/west", Name: "west", Network: "network1", Role: Primary},
			{Context: "kind_east", Name: "kind-east", Network: "network1", Role: Primary},
			{Context: "east", Name: "east-2", Network: "network1", Role: Primary},
		},
		Security:        Security{MTLS: "PERMISSIVE", CA: CA{Mode: "generate", Dir: "./meshwiz-certs"}},
		EastWestGateway: Gateway{ServiceType: "LoadBalancer"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default:\n got %+v\nwant %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDefaultKeepsExplicitNamesUnique(t *testing.T) {
	// The second cluster's explicit name wins; the first gets a suffix.
	c := &Config{Clusters: []Cluster{{Context: "kind-a"}, {Context: "x", Name: "kind-a"}}}
	c.Default()
	if got := []string{c.Clusters[0].Name, c.Clusters[1].Name}; !reflect.DeepEqual(got, []string{"kind-a-2", "kind-a"}) {
		t.Errorf("names %v", got)
	}
}

func TestDefaultNetworks(t *testing.T) {
	c := &Config{Clusters: []Cluster{{Context: "a", Network: "shared"}, {Context: "b"}, {Context: "c", Network: "shared"}}}
	c.Default()
	got := []string{c.Clusters[0].Network, c.Clusters[1].Network, c.Clusters[2].Network}
	if !reflect.DeepEqual(got, []string{"shared", "network-b", "shared"}) {
		t.Errorf("networks %v", got)
	}
	if !c.MultiNetwork() {
		t.Error("MultiNetwork() = false")
	}
	long := &Config{Clusters: []Cluster{{Context: "a", Network: "n"}, {Context: "b", Name: strings.Repeat("z", 63)}}}
	long.Default()
	if n := long.Clusters[1].Network; len(n) != 63 || !strings.HasPrefix(n, "network-z") {
		t.Errorf("long network %q", n)
	}
}

func TestDefaultRolesAndPrimaries(t *testing.T) {
	c := &Config{Model: PrimaryRemote, Clusters: []Cluster{{Context: "hub"}, {Context: "a"}, {Context: "b", Role: Primary}, {Context: "c", Primary: "b"}}}
	c.Default()
	var roles []Role
	for _, cl := range c.Clusters {
		roles = append(roles, cl.Role)
	}
	if !reflect.DeepEqual(roles, []Role{Primary, Remote, Primary, Remote}) {
		t.Errorf("roles %v", roles)
	}
	// Two primaries: a remote without one is left for Validate to report.
	if c.Clusters[1].Primary != "" || c.Clusters[3].Primary != "b" {
		t.Errorf("primaries %q %q", c.Clusters[1].Primary, c.Clusters[3].Primary)
	}
	fes := FieldErrors(c.Validate())
	if len(fes) != 1 || fes[0].Field != "clusters[1].primary" || !strings.Contains(fes[0].Fix, "use one of: hub, b") {
		t.Errorf("Validate = %v", fes)
	}

	one := &Config{Model: PrimaryRemote, Clusters: []Cluster{{Context: "hub"}, {Context: "a"}, {Context: "b"}}}
	one.Default()
	for _, r := range one.Remotes() {
		if r.Primary != "hub" {
			t.Errorf("%s: primary %q, want hub", r.Name, r.Primary)
		}
	}
	if got := len(one.RemotesOf("hub")); got != 2 {
		t.Errorf("RemotesOf(hub) = %d", got)
	}
}

func TestDefaultRepoURLOnlyForRepo(t *testing.T) {
	c := &Config{Istio: Istio{Charts: ChartSource{Source: ChartsRepo}}}
	c.Default()
	if c.Istio.Charts.RepoURL != DefaultRepoURL {
		t.Errorf("repoURL %q", c.Istio.Charts.RepoURL)
	}
	p := &Config{Istio: Istio{Charts: ChartSource{Source: ChartsPath}}}
	p.Default()
	if p.Istio.Charts.RepoURL != "" {
		t.Errorf("repoURL %q for a path source", p.Istio.Charts.RepoURL)
	}
}

func TestDefaultLeavesSetFieldsAlone(t *testing.T) {
	c := &Config{MeshID: "Bad ID", Model: "hub-spoke", Security: Security{MTLS: "strict"}, Clusters: []Cluster{{Context: "a", Role: "boss"}}}
	c.Default()
	if c.MeshID != "Bad ID" || c.Model != "hub-spoke" || c.Security.MTLS != "strict" || c.Clusters[0].Role != "boss" {
		t.Errorf("Default changed set fields: %+v", c)
	}
}
