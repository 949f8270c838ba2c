package charts

import (
	"reflect"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := []ClusterValues{testCluster(), testRemote()}
	ext := testCluster()
	ext.ExternalIstiod, ext.MeshMTLS = true, "STRICT"
	ok = append(ok, ext)
	for _, v := range ok {
		if err := v.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", v, err)
		}
	}

	mod := func(base ClusterValues, f func(*ClusterValues)) ClusterValues { f(&base); return base }
	bad := []struct {
		v    ClusterValues
		want string
	}{
		{mod(testCluster(), func(v *ClusterValues) { v.Hub = "" }), "hub and tag"},
		{mod(testCluster(), func(v *ClusterValues) { v.Tag = "" }), "hub and tag"},
		{mod(testCluster(), func(v *ClusterValues) { v.ClusterName = "" }), "Kubernetes"},
		{mod(testCluster(), func(v *ClusterValues) { v.ConfigCluster = true }), "remotes only"},
		{mod(testCluster(), func(v *ClusterValues) { v.RemotePilotAddress = "1.2.3.4" }), "remotes only"},
		{mod(testCluster(), func(v *ClusterValues) { v.MeshMTLS = "strict" }), "mTLS"},
		{mod(testRemote(), func(v *ClusterValues) { v.RemotePilotAddress = "" }), "remotePilotAddress"},
		{mod(testRemote(), func(v *ClusterValues) { v.ExternalIstiod = true }), "externalIstiod"},
		{mod(testRemote(), func(v *ClusterValues) { v.InjectionPath = "inject" }), "start with /"},
		{mod(testRemote(), func(v *ClusterValues) { v.InjectionPath = "" }), "needs its injection path"},
	}
	for _, c := range bad {
		err := c.v.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want an error about %q", c.v, err, c.want)
		}
	}
}

func TestValuesMaps(t *testing.T) {
	if got := BaseValues(testCluster()); len(got) != 0 {
		t.Errorf("BaseValues(primary) = %v, want none", got)
	}
	if got := BaseValues(testRemote()); !reflect.DeepEqual(got, map[string]any{"profile": "remote"}) {
		t.Errorf("BaseValues(remote) = %v", got)
	}

	want := map[string]any{
		"profile": "remote",
		"global": map[string]any{
			"hub": testHub, "tag": testTag, "meshID": "mesh1",
			"multiCluster":       map[string]any{"clusterName": "cluster2"},
			"network":            "network2",
			"configCluster":      true,
			"remotePilotAddress": "172.18.255.10",
		},
		"istiodRemote": map[string]any{"injectionPath": "/inject/cluster/cluster2/net/network2"},
	}
	if got := IstiodValues(testRemote()); !reflect.DeepEqual(got, want) {
		t.Errorf("IstiodValues(remote) =\n%v\nwant\n%v", got, want)
	}

	gw := GatewayValues(testCluster(), "", nil)
	wantGW := map[string]any{
		"name":           "istio-eastwestgateway",
		"labels":         map[string]any{"istio": "eastwestgateway"},
		"networkGateway": "network1",
		"service":        map[string]any{"type": "LoadBalancer"},
	}
	if !reflect.DeepEqual(gw, wantGW) {
		t.Errorf("GatewayValues = %v, want %v", gw, wantGW)
	}
}

// Render must leave the caller's values alone (they may be shown in a plan).
func TestRenderKeepsValues(t *testing.T) {
	vals := IstiodValues(testRemote())
	if _, err := Render(mustLoad(t, Istiod), "istiod", testNamespace, vals, testKubeVersion); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(vals, IstiodValues(testRemote())) {
		t.Errorf("Render changed its values: %v", vals)
	}
	if _, err := Render(mustLoad(t, Base), "istio-base", testNamespace, nil, "not-a-version"); err == nil ||
		!strings.Contains(err.Error(), `"base"`) {
		t.Errorf("bad kube version: %v", err)
	}
}

// BenchmarkRender: go test -run XXX -bench Render ./internal/charts/
func BenchmarkRender(b *testing.B) {
	cases := []struct {
		name, chart string
		values      map[string]any
	}{
		{"base", Base, BaseValues(testCluster())},
		{"istiod-primary", Istiod, IstiodValues(testCluster())},
		{"istiod-remote", Istiod, IstiodValues(testRemote())},
		{"gateway", Gateway, GatewayValues(testCluster(), "NodePort", []string{"10.0.0.1"})},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ch := mustLoad(b, c.chart)
			for b.Loop() {
				if _, err := Render(ch, c.chart, testNamespace, c.values, testKubeVersion); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, name := range []string{Base, Istiod, Gateway} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				mustLoad(b, name)
			}
		})
	}
}
