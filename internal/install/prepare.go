package install

import (
	"fmt"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// CAError is a problem with a CA the user brought (security.ca.mode
// existing): missing files, a chain that does not verify. The user fixes it
// in the files or the config, so commands report it as a usage error.
type CAError struct{ Err error }

func (e *CAError) Error() string { return e.Err.Error() }
func (e *CAError) Unwrap() error { return e.Err }

// PrepareCerts makes the cacerts intermediates of every cluster ready before
// a plan runs: it loads and verifies the CA in security.ca.dir (mode
// existing) or generates it there, reusing what an earlier run wrote (mode
// generate; private keys 0600). It returns them by cluster name and one line
// saying what it did, with the root's fingerprint.
func PrepareCerts(cfg *mesh.Config, keyBits int) (map[string]*certs.Intermediate, string, error) {
	var root *certs.Root
	var inters []*certs.Intermediate
	var msg string
	switch cfg.Security.CA.Mode {
	case "existing":
		var err error
		if root, inters, err = loadExisting(cfg); err != nil {
			return nil, "", &CAError{err}
		}
		msg = "using the existing CA in " + cfg.Security.CA.Dir
	default:
		names := make([]string, len(cfg.Clusters))
		for i, cl := range cfg.Clusters {
			names[i] = cl.Name
		}
		var generated bool
		var err error
		if err := writableDir(cfg.Security.CA.Dir); err != nil {
			return nil, "", &CAError{fmt.Errorf("security.ca.dir: %w", err)}
		}
		if root, inters, generated, err = certs.EnsureDir(cfg.Security.CA.Dir, names, certs.Options{KeyBits: keyBits}); err != nil {
			return nil, "", err
		}
		msg = "reusing the mesh CA in " + cfg.Security.CA.Dir
		if generated {
			msg = "generated the mesh CA in " + cfg.Security.CA.Dir + " (private keys 0600)"
		}
	}
	out := map[string]*certs.Intermediate{}
	for _, in := range inters {
		out[in.Cluster] = in
	}
	return out, fmt.Sprintf("%s; root %q sha256 %s…", msg, root.Cert.Subject.CommonName, certs.Fingerprint(root.Cert)[:16]), nil
}
