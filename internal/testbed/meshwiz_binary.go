package testbed

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// MeshwizBinaryEnv names the environment variable that points the tests at
// a meshwiz binary built beforehand (hack/test.sh builds it once for every
// package that runs the real binary).
const MeshwizBinaryEnv = "MESHWIZ_BIN"

var meshwizBin struct {
	once sync.Once
	path string
	err  error
}

// MeshwizBinary returns the path of a meshwiz binary: $MESHWIZ_BIN when set,
// otherwise one built (without the race detector, as hack/test.sh runs the
// packages that drive it) once per test process into a temporary directory.
func MeshwizBinary() (string, error) {
	meshwizBin.once.Do(func() {
		if p := os.Getenv(MeshwizBinaryEnv); p != "" {
			if _, err := os.Stat(p); err != nil {
				meshwizBin.err = fmt.Errorf("%s=%s: %w", MeshwizBinaryEnv, p, err)
			}
			meshwizBin.path = p
			return
		}
		dir, err := os.MkdirTemp("", "meshwiz-bin-")
		if err != nil {
			meshwizBin.err = err
			return
		}
		meshwizBin.path = filepath.Join(dir, "meshwiz")
		out, err := exec.Command("go", "build", "-o", meshwizBin.path, "github.com/meshwiz/meshwiz/cmd/meshwiz").CombinedOutput()
		if err != nil {
			meshwizBin.err = fmt.Errorf("building meshwiz: %v\n%s", err, out)
		}
	})
	return meshwizBin.path, meshwizBin.err
}

// MustMeshwizBinary is MeshwizBinary for a test: a failure fails tb.
func MustMeshwizBinary(tb testing.TB) string {
	tb.Helper()
	p, err := MeshwizBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
