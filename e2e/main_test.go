package e2e

import (
	"testing"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// The bed: alpha and beta for the wizard in tmux, gamma and delta for the
// teatest flow. Each test installs into its own pair.
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "alpha"}, {Name: "beta"}, {Name: "gamma"}, {Name: "delta"},
	}})
}
