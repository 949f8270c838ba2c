// Package input reads files that come from outside meshwiz (mesh.yaml,
// kubeconfigs, CA files) with a size cap, so that a huge file or a device
// such as /dev/zero is an error naming the file and the limit instead of a
// crash out of memory.
package input

import (
	"fmt"
	"io"
	"os"
)

// TooLargeError says a file holds more than a limit.
type TooLargeError struct {
	What  string // "mesh file", "kubeconfig", …
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s %s is larger than %s", e.What, e.Path, size(e.Limit))
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// ReadFile reads at most limit bytes of path. Open errors are returned as
// os returns them (errors.Is(err, fs.ErrNotExist) still works); a longer
// file is a *TooLargeError.
func ReadFile(path string, limit int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", what, path, err)
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{What: what, Path: path, Limit: limit}
	}
	return data, nil
}

// CheckSize fails with a *TooLargeError when path holds more than limit
// bytes, reading (not stat-ing) so that devices and FIFOs are caught, and
// without keeping what it reads.
func CheckSize(path string, limit int64, what string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(f, limit+1))
	if err != nil {
		return fmt.Errorf("reading %s %s: %w", what, path, err)
	}
	if n > limit {
		return &TooLargeError{What: what, Path: path, Limit: limit}
	}
	return nil
}
