package tui

import (
	"testing"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// TestTopologyPerClusterNetworkIsMeshDefault: the network the topology
// screen offers a cluster when every cluster gets its own is the one
// mesh.Config.Default gives it, also for a name the wizard's old rule
// rewrote (two dashes in a row).
func TestTopologyPerClusterNetworkIsMeshDefault(t *testing.T) {
	flat := &mesh.Config{Clusters: []mesh.Cluster{{Context: "one", Name: "a--b"}, {Context: "two", Name: "c"}}}
	flat.Default()
	v := newTopologyValues(flat, nil, nil)

	byMesh := &mesh.Config{Clusters: []mesh.Cluster{{Context: "one", Name: "a--b"}, {Context: "two", Name: "c", Network: "net-c"}}}
	byMesh.Default()
	if got, want := v.clusters[0].network, byMesh.Clusters[0].Network; got != want || want != "network-a--b" {
		t.Errorf("the wizard offers network %q for cluster a--b, mesh.Default gives %q (want network-a--b)", got, want)
	}
}
