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

// meshwizBinary returns the real binary (testbed.MeshwizBinary: $MESHWIZ_BIN,
// built once by hack/test.sh, or built here). It is built without the race
// detector, as the e2e package itself runs (hack/test.sh): the wizard's
// install drives Helm on the 1 MB istio-base release, 5-7x slower under
// -race; the engine it runs is race-tested in its own packages.
func meshwizBinary(t *testing.T) string {
	t.Helper()
	p, err := testbed.MeshwizBinary()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// bed returns the bed TestMain started.
func bed(t *testing.T) *testbed.Bed {
	t.Helper()
	b := testbed.Shared()
	if b == nil {
		t.Fatal("testbed.Shared() is nil although TestMain uses testbed.Main")
	}
	return b
}
