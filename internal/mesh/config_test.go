package mesh

import (
	"path/filepath"
	"testing"
)

func TestInjectionPath(t *testing.T) {
	cases := []struct {
		cl   Cluster
		want string
	}{
		{Cluster{Name: "cluster2", Network: "network1"}, "/inject/cluster/cluster2/net/network1"},
		{Cluster{Name: "team/east", Network: "net/a/b"}, "/inject/cluster/team--slash--east/net/net--slash--a--slash--b"},
	}
	for _, tc := range cases {
		if got := tc.cl.InjectionPath(); got != tc.want {
			t.Errorf("InjectionPath(%q, %q) = %q, want %q", tc.cl.Name, tc.cl.Network, got, tc.want)
		}
	}
}

func TestNeedsEastWestGateway(t *testing.T) {
	cases := []struct {
		name    string
		model   Model
		multi   bool
		roles   []Role
		primary []string // each cluster's primary
		want    []bool
	}{
		{"multi-primary, one network", MultiPrimary, false, []Role{Primary, Primary, Primary}, nil, []bool{false, false, false}},
		{"multi-primary, multi-network", MultiPrimary, true, []Role{Primary, Primary, Primary}, nil, []bool{true, true, true}},
		{"primary-remote, one network", PrimaryRemote, false, []Role{Primary, Remote, Remote}, []string{"", "c0", "c0"}, []bool{true, false, false}},
		{"primary-remote, multi-network", PrimaryRemote, true, []Role{Primary, Remote, Remote}, []string{"", "c0", "c0"}, []bool{true, true, true}},
		{"primary-remote, a primary without remotes", PrimaryRemote, false, []Role{Primary, Primary, Remote}, []string{"", "", "c1"}, []bool{false, true, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{Model: tc.model}
			for i, r := range tc.roles {
				cl := Cluster{Name: "c" + string(rune('0'+i)), Role: r, Network: "network1"}
				if tc.multi {
					cl.Network = "net-" + cl.Name
				}
				if tc.primary != nil {
					cl.Primary = tc.primary[i]
				}
				c.Clusters = append(c.Clusters, cl)
			}
			if c.MultiNetwork() != tc.multi {
				t.Fatalf("MultiNetwork() = %v", !tc.multi)
			}
			for i := range c.Clusters {
				if got := c.NeedsEastWestGateway(&c.Clusters[i]); got != tc.want[i] {
					t.Errorf("%s (%s): NeedsEastWestGateway = %v, want %v", c.Clusters[i].Name, c.Clusters[i].Role, got, tc.want[i])
				}
			}
		})
	}
}

func TestExampleTopologies(t *testing.T) {
	cases := map[string]struct {
		multi     bool
		primaries int
		gateways  []bool
	}{
		"multi-primary.yaml":                {false, 2, []bool{false, false}},
		"multi-network.yaml":                {true, 3, []bool{true, true, true}},
		"primary-remote.yaml":               {false, 1, []bool{true, false, false}},
		"primary-remote-multi-network.yaml": {true, 2, []bool{true, true, true, true}},
	}
	for file, want := range cases {
		c, err := Load(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		c.Default()
		if c.MultiNetwork() != want.multi || len(c.Primaries()) != want.primaries || len(c.Primaries())+len(c.Remotes()) != len(c.Clusters) {
			t.Errorf("%s: multi %v, %d primaries, %d remotes", file, c.MultiNetwork(), len(c.Primaries()), len(c.Remotes()))
		}
		for i := range c.Clusters {
			if got := c.NeedsEastWestGateway(&c.Clusters[i]); got != want.gateways[i] {
				t.Errorf("%s: %s needs gateway = %v", file, c.Clusters[i].Name, got)
			}
		}
	}
}

func TestLookups(t *testing.T) {
	c, err := Load("testdata/primary-remote-multi-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cl := c.Cluster("us-edge"); cl == nil || cl.Context != "us-edge" {
		t.Errorf("Cluster(us-edge) = %+v", cl)
	}
	if c.Cluster("nope") != nil {
		t.Error("Cluster(nope) != nil")
	}
	c.Cluster("eu").Network = "changed" // a pointer into the config
	if c.Clusters[0].Network != "changed" {
		t.Error("Cluster returned a copy")
	}
	if r := c.RemotesOf("us"); len(r) != 1 || r[0].Name != "us-edge" {
		t.Errorf("RemotesOf(us) = %v", r)
	}
	if r := c.RemotesOf("eu-edge"); len(r) != 0 {
		t.Errorf("RemotesOf(a remote) = %v", r)
	}
}

func TestTagOrVersionAndGatewayIPs(t *testing.T) {
	c, err := Load("testdata/multi-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.TagOrVersion(); got != "1.31.1-distroless" {
		t.Errorf("TagOrVersion = %q", got)
	}
	c.Istio.Tag = ""
	if got := c.TagOrVersion(); got != "1.31.1" {
		t.Errorf("TagOrVersion without tag = %q", got)
	}
	if got := c.GatewayExternalIPs(&c.Clusters[1]); len(got) != 2 {
		t.Errorf("own IPs = %v", got)
	}
	c.EastWestGateway.ExternalIPs = []string{"192.0.2.1"}
	c.Clusters[2].ExternalIPs = nil
	if got := c.GatewayExternalIPs(&c.Clusters[2]); len(got) != 1 || got[0] != "192.0.2.1" {
		t.Errorf("mesh-wide IPs = %v", got)
	}
}
