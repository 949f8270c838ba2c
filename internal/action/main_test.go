package action

import (
	"testing"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// The bed: east and west, on loopback, with nothing installed.
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{{Name: "east"}, {Name: "west"}}})
}

// bedClients are the bed's clusters' clients, named by context.
func bedClients(t *testing.T) []*kube.Client {
	t.Helper()
	var out []*kube.Client
	for _, name := range []string{"east", "west"} {
		c, err := kube.NewClientForConfig(name, testbed.Shared().Cluster(name).RESTConfig())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}
