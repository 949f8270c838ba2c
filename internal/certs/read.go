package certs

import (
	"fmt"
	"io"
	"os"
)

// MaxFileBytes caps every certificate or key file meshwiz reads: a PEM
// chain is a few kilobytes, and a file linked to /dev/zero must fail with a
// message, not exhaust memory.
const MaxFileBytes = 1 << 20

// readFile reads path, at most MaxFileBytes; a larger file (or a device) is
// an error naming the file and the limit. Errors from os keep their type
// (errors.Is(err, fs.ErrNotExist) still works).
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d KiB: a PEM certificate or key file is a few kilobytes", path, MaxFileBytes>>10)
	}
	return data, nil
}
