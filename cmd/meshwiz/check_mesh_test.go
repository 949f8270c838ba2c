package main

import (
	"reflect"
	"testing"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// TestCheckNamesClustersAsSetupDoes: the config check builds from its flags
// names clusters and networks exactly as mesh.yaml's defaults do for setup
// and the wizard: colliding context names get -2, one network is
// mesh.DefaultNetwork, and --network-per-cluster gives mesh.NetworkFor.
func TestCheckNamesClustersAsSetupDoes(t *testing.T) {
	contexts := []string{"gke_p_z_east", "east", "West"}
	yaml := "apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nclusters:\n  - context: gke_p_z_east\n  - context: east\n  - context: West\n    server: https://west.example:6443\n"
	fromFile, err := mesh.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	fromFile.Default()
	o := &checkOptions{istioVersion: fromFile.Istio.Version}
	got := checkMesh(o, contexts, nil, map[string]string{"West": "https://west.example:6443"})
	if !reflect.DeepEqual(got.Clusters, fromFile.Clusters) {
		t.Errorf("check's clusters\n%+v\nwant setup's\n%+v", got.Clusters, fromFile.Clusters)
	}
	if got.Clusters[1].Name != "east-2" || got.Clusters[2].Network != mesh.DefaultNetwork {
		t.Errorf("clusters %+v: want the second named east-2, all on %s", got.Clusters, mesh.DefaultNetwork)
	}

	o.perNetwork = true
	got = checkMesh(o, contexts, map[string]string{"east": "edge"}, nil)
	want := []string{"network-east", "network-edge", "network-west"}
	for i, cl := range got.Clusters {
		if cl.Network != want[i] || cl.Network != mesh.NetworkFor(cl.Name) {
			t.Errorf("--network-per-cluster: cluster %s on %q, want %q (mesh.NetworkFor)", cl.Name, cl.Network, want[i])
		}
	}
	if !got.MultiNetwork() {
		t.Error("--network-per-cluster: the config is not multi-network, so overlap would still be fatal")
	}
}
