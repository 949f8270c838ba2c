package certs

import (
	"fmt"

	"github.com/meshwiz/meshwiz/internal/input"
)

// MaxFileBytes caps every certificate or key file meshwiz reads: a PEM
// chain is a few kilobytes, and a file linked to /dev/zero must fail with a
// message, not exhaust memory.
const MaxFileBytes = 1 << 20

// readFile reads path, at most MaxFileBytes.
func readFile(path string) ([]byte, error) {
	data, err := input.ReadFile(path, MaxFileBytes, "CA file")
	if _, big := err.(*input.TooLargeError); big {
		return nil, fmt.Errorf("%w: a PEM certificate or key file is a few kilobytes", err)
	}
	return data, err
}
