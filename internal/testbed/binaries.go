package testbed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// ModulePath is the module whose root holds hack/testbed/build.sh.
const ModulePath = "github.com/meshwiz/meshwiz"

// BinEnv names the environment variable that points at a ready bin directory
// (for CI caches); when set, Binaries does not run build.sh.
const BinEnv = "MESHWIZ_TESTBED_BIN"

// binaryNames are the five programs a bed runs.
var binaryNames = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

var binaries = builtOnce{env: BinEnv, script: "build.sh", check: func(dir string) (string, error) { return dir, checkBinDir(dir) }}

// Binaries returns the directory that holds etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok. It is $MESHWIZ_TESTBED_BIN
// if set (which must contain all five); otherwise it runs
// <repo root>/hack/testbed/build.sh, which builds the binaries once into a
// cache and prints the directory as its last stdout line. The script's
// progress goes to os.Stderr. The result is remembered for the process.
func Binaries() (string, error) { return binaries.get() }

// builtOnce is a program (or directory of programs) a bed needs: the path in
// $env if set, otherwise the result of <repo root>/hack/testbed/<script>;
// check vets the path (and may resolve it). The result is remembered for the
// process.
type builtOnce struct {
	env, script string
	check       func(path string) (string, error)

	mu   sync.Mutex
	path string
}

func (b *builtOnce) get() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.path != "" {
		return b.path, nil
	}
	path, source := os.Getenv(b.env), "$"+b.env
	if path == "" {
		var err error
		if path, source, err = runBuildScript(b.script); err != nil {
			return "", err
		}
	}
	path, err := b.check(path)
	if err != nil {
		return "", fmt.Errorf("testbed: %s: %w", source, err)
	}
	b.path = path
	return path, nil
}

// runBuildScript runs <repo root>/hack/testbed/<name> under a machine-wide
// lock and returns the last line it printed on stdout (its result) and the
// script's path. Its progress goes to os.Stderr.
func runBuildScript(name string) (result, script string, err error) {
	root, err := RepoRoot()
	if err != nil {
		return "", "", err
	}
	script = filepath.Join(root, "hack", "testbed", name)
	// Several test binaries (go test ./...) may get here at once; one cold
	// build at a time is enough (it takes ~2 GB and both cores), the others
	// then find the cache.
	unlock, err := lockFile(filepath.Join(os.TempDir(), "meshwiz-testbed.lock"))
	if err != nil {
		return "", script, fmt.Errorf("testbed: %w", err)
	}
	defer unlock()
	cmd := exec.Command("bash", script)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", script, fmt.Errorf("testbed: %s: %w", script, err)
	}
	if result = lastLine(out.String()); result == "" {
		return "", script, fmt.Errorf("testbed: %s printed no result", script)
	}
	return result, script, nil
}

// RepoRoot walks up from the working directory to the directory whose go.mod
// declares module github.com/meshwiz/meshwiz.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testbed: %w", err)
	}
	for dir := wd; ; {
		if modulePathOf(filepath.Join(dir, "go.mod")) == ModulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("testbed: no go.mod of module %s above %s (set $%s to a bin directory instead)", ModulePath, wd, BinEnv)
		}
		dir = parent
	}
}

func modulePathOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

func checkBinDir(dir string) error {
	var missing []string
	for _, b := range binaryNames {
		st, err := os.Stat(filepath.Join(dir, b))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return errors.New(dir + " lacks executable " + strings.Join(missing, ", "))
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// lockFile takes an exclusive flock on path, waiting for other holders.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
