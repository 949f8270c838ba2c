package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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

var build struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// meshwizBinary builds cmd/meshwiz once per test binary and returns its
// path. It is built without the race detector, as the e2e package itself
// runs (hack/test.sh): the wizard's install drives Helm on the 1 MB
// istio-base release, 5-7x slower under -race; the engine it runs is
// race-tested in its own packages.
func meshwizBinary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "meshwiz-e2e-bin-")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "meshwiz")
		cmd := exec.Command("go", "build", "-o", build.path, "github.com/meshwiz/meshwiz/cmd/meshwiz")
		build.out, build.err = cmd.CombinedOutput()
	})
	if build.err != nil {
		t.Fatalf("building meshwiz: %v\n%s", build.err, build.out)
	}
	return build.path
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
