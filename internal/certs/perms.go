package certs

import (
	"fmt"
	"os"
	"path/filepath"
)

// KeyPermissionWarnings returns one line for every private key of the CA in
// dir (root-key.pem, and ca-key.pem of each cluster) that its group or others
// may read, naming the file, its mode and the fix. A brought CA (mode
// existing) is read as it is, so such a key is a warning, not an error;
// keys meshwiz writes are 0600. Missing files are not reported here (Load
// reports those it needs).
func KeyPermissionWarnings(dir string, clusters []string) []string {
	paths := []string{filepath.Join(dir, RootKeyFile)}
	for _, c := range clusters {
		paths = append(paths, filepath.Join(dir, c, CAKeyFile))
	}
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			out = append(out, fmt.Sprintf("the CA private key %s is readable by %s (mode %04o): anyone who reads it can issue certificates the mesh trusts; run `chmod 600 %s`",
				p, who(perm), perm, p))
		}
	}
	return out
}

// who says which of group and others perm lets in.
func who(perm os.FileMode) string {
	switch {
	case perm&0o070 != 0 && perm&0o007 != 0:
		return "group and others"
	case perm&0o070 != 0:
		return "its group"
	}
	return "others"
}
