package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// InputError is a problem with the mesh config's inputs (a field or a flag)
// that setup would hit only after the checks and the confirmation; commands
// report it as a usage error.
type InputError struct {
	Field string // "security.ca.dir", "istio.charts.path", "--ca-key-size"
	Err   error
}

func (e *InputError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Preflight checks offline, changing nothing, what setup needs besides the
// clusters: the CA (mode existing: the files load and verify, as
// PrepareCerts will; mode generate: security.ca.dir is, or can be created
// as, a writable directory, and keyBits is a key size the generator takes
// when it must generate), and local charts (istio.charts.path) load. plan
// and setup --dry-run run it, so a dry run fails where setup would.
func Preflight(cfg *mesh.Config, keyBits int) error {
	var errs []error
	switch cfg.Security.CA.Mode {
	case mesh.CAExisting:
		if _, _, err := loadExisting(cfg); err != nil {
			errs = append(errs, &InputError{Field: "security.ca.dir", Err: err})
		}
	default:
		if err := writableDir(cfg.Security.CA.Dir); err != nil {
			errs = append(errs, &InputError{Field: "security.ca.dir", Err: err})
		}
		if keyBits != 0 && keyBits < certs.MinKeyBits {
			errs = append(errs, &InputError{Field: "--ca-key-size", Err: fmt.Errorf("%d bits is too small for a CA key (minimum %d, Istio's convention %d)", keyBits, certs.MinKeyBits, certs.DefaultKeyBits)})
		}
	}
	if cfg.Istio.Charts.Source == mesh.ChartsPath {
		src := charts.Source{Kind: cfg.Istio.Charts.Source, Path: cfg.Istio.Charts.Path, Version: cfg.Istio.Version}
		for _, name := range []string{charts.Base, charts.Istiod, charts.Gateway} {
			if _, err := charts.Load(src, name); err != nil {
				errs = append(errs, &InputError{Field: "istio.charts.path", Err: err})
				break
			}
		}
	}
	return errors.Join(errs...)
}

// loadExisting loads and verifies a brought CA (security.ca.mode existing);
// an expiry warning is no error.
func loadExisting(cfg *mesh.Config) (*certs.Root, []*certs.Intermediate, error) {
	names := make([]string, len(cfg.Clusters))
	for i, cl := range cfg.Clusters {
		names[i] = cl.Name
	}
	root, inters, err := certs.Load(cfg.Security.CA.Dir, names)
	if err != nil {
		return nil, nil, err
	}
	for _, in := range inters {
		if err := root.Verify(in, time.Now()); err != nil && !certs.IsWarning(err) {
			return nil, nil, fmt.Errorf("security.ca: %w", err)
		}
	}
	return root, inters, nil
}

// writableDir says why dir cannot hold the generated CA: it is not a
// directory (a file, /dev/null), or neither it nor the parent it would be
// created in is writable.
func writableDir(dir string) error {
	d := dir
	for {
		st, err := os.Stat(d)
		switch {
		case err == nil && !st.IsDir():
			if d == dir {
				return fmt.Errorf("%s is a %s, not a directory: point it at a directory for the generated CA", dir, kind(st.Mode()))
			}
			return fmt.Errorf("%s cannot be created: %s is a %s, not a directory", dir, d, kind(st.Mode()))
		case err == nil:
			if syscall.Access(d, 0o3) != nil { // W_OK|X_OK
				return fmt.Errorf("%s is not writable, so %s cannot be written: choose a directory you can write", d, dir)
			}
			return nil
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil
		}
		d = parent
	}
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "file"
}
