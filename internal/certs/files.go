package certs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File names of Istio's tools/certs layout and of the cacerts Secret's keys.
const (
	RootCertFile  = "root-cert.pem"
	RootKeyFile   = "root-key.pem"
	CACertFile    = "ca-cert.pem"
	CAKeyFile     = "ca-key.pem"
	CertChainFile = "cert-chain.pem"
)

// ErrFileDiffers is wrapped by Write's error when a file it would create
// already exists with other content.
var ErrFileDiffers = errors.New("already exists with different content")

// SecretData is the data of the cluster's istio-system/cacerts Secret.
func (i *Intermediate) SecretData() map[string][]byte {
	return map[string][]byte{
		CACertFile:    bytes.Clone(i.CACertPEM),
		CAKeyFile:     bytes.Clone(i.CAKeyPEM),
		RootCertFile:  bytes.Clone(i.RootCertPEM),
		CertChainFile: bytes.Clone(i.CertChainPEM),
	}
}

type fileSpec struct {
	path string
	data []byte
	perm fs.FileMode
	have bool // already on disk with this content
}

// Write stores r and inters in Istio's layout: dir/root-cert.pem,
// dir/root-key.pem (0600, when the key is known) and
// dir/<cluster>/{ca-cert.pem, ca-key.pem (0600), cert-chain.pem, root-cert.pem},
// in directories it creates 0700. Files already present with identical
// content are left alone, so re-running is harmless; if any differs, Write
// changes nothing and returns an error wrapping ErrFileDiffers that names
// every such file. Each file is written to a temporary file, synced and then
// linked (or renamed) into place, so a crash never leaves a partial key.
func Write(dir string, r *Root, inters []*Intermediate) error {
	files, dirs, err := layout(dir, r, inters)
	if err != nil {
		return err
	}
	var conflicts []error
	for k := range files {
		f := &files[k]
		if f.have, err = onDisk(f); err != nil {
			conflicts = append(conflicts, err)
		}
	}
	if len(conflicts) > 0 {
		return errors.Join(conflicts...)
	}
	for _, d := range dirs {
		if err := mkdirPrivate(d); err != nil {
			return err
		}
	}
	for _, f := range files {
		if !f.have {
			if err := writeNew(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// layout lists the directories and files (keys first) that Write creates.
func layout(dir string, r *Root, inters []*Intermediate) ([]fileSpec, []string, error) {
	if r == nil || r.Cert == nil {
		return nil, nil, errors.New("write CA files: no root certificate")
	}
	rootPEM := r.certPEM()
	var files []fileSpec
	keyPEM := r.KeyPEM
	if len(keyPEM) == 0 && r.Key != nil {
		var err error
		if keyPEM, err = marshalKey(r.Key); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, RootKeyFile), err)
		}
	}
	if len(keyPEM) > 0 {
		files = append(files, fileSpec{path: filepath.Join(dir, RootKeyFile), data: keyPEM, perm: 0o600})
	}
	files = append(files, fileSpec{path: filepath.Join(dir, RootCertFile), data: rootPEM, perm: 0o644})
	dirs := []string{dir}
	seen := map[string]bool{}
	for _, i := range inters {
		if i == nil {
			return nil, nil, errors.New("write CA files: nil intermediate")
		}
		if err := checkCluster(i.Cluster); err != nil {
			return nil, nil, err
		}
		if seen[i.Cluster] {
			return nil, nil, fmt.Errorf("cluster %q is listed twice", i.Cluster)
		}
		seen[i.Cluster] = true
		if len(i.CACertPEM) == 0 || len(i.CAKeyPEM) == 0 {
			return nil, nil, fmt.Errorf("cluster %q: the intermediate CA has no %s or %s content", i.Cluster, CACertFile, CAKeyFile)
		}
		chain, rootCopy := i.CertChainPEM, i.RootCertPEM
		if len(chain) == 0 {
			chain = concatPEM(i.CACertPEM, rootPEM)
		}
		if len(rootCopy) == 0 {
			rootCopy = rootPEM
		}
		d := filepath.Join(dir, i.Cluster)
		dirs = append(dirs, d)
		files = append(files,
			fileSpec{path: filepath.Join(d, CAKeyFile), data: i.CAKeyPEM, perm: 0o600},
			fileSpec{path: filepath.Join(d, CACertFile), data: i.CACertPEM, perm: 0o644},
			fileSpec{path: filepath.Join(d, RootCertFile), data: rootCopy, perm: 0o644},
			fileSpec{path: filepath.Join(d, CertChainFile), data: chain, perm: 0o644},
		)
	}
	return files, dirs, nil
}

// onDisk reports whether f already exists with its content; a different
// content is an error. An identical key file that others can read is
// tightened to 0600.
func onDisk(f *fileSpec) (bool, error) {
	old, err := readFile(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !bytes.Equal(old, f.data):
		return false, fmt.Errorf("%s %w; refusing to overwrite it (move it away or use another directory)", f.path, ErrFileDiffers)
	}
	if f.perm == 0o600 {
		if st, err := os.Stat(f.path); err == nil && st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(f.path, 0o600); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// mkdirPrivate creates d (and its parents) with mode 0700 unless it exists.
func mkdirPrivate(d string) error {
	st, err := os.Stat(d)
	switch {
	case err == nil && st.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("%s exists and is not a directory", d)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		return err
	}
	return os.Chmod(d, 0o700) // whatever the umask
}

// writeNew writes f through a synced temporary file in the same directory,
// then hard-links it into place, which fails if f.path appeared meanwhile
// (no clobbering). Where hard links are unsupported it renames instead.
func writeNew(f fileSpec) error {
	d := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(d, "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Chmod(f.perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(f.data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Link(name, f.path); err != nil {
		if _, statErr := os.Lstat(f.path); statErr == nil {
			if _, err := onDisk(&f); err != nil {
				return err // someone else wrote a different file meanwhile
			}
			return nil
		}
		if err := os.Rename(name, f.path); err != nil {
			return err
		}
	}
	if dh, err := os.Open(d); err == nil {
		_ = dh.Sync() // make the new name durable; best effort
		dh.Close()
	}
	return nil
}

// readOptional reads path; a missing file is (nil, false, nil).
func readOptional(path string) ([]byte, bool, error) {
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// LoadRoot reads dir/root-cert.pem and, if present, dir/root-key.pem, which
// must match it. Errors name the file.
func LoadRoot(dir string) (*Root, error) {
	certPath := filepath.Join(dir, RootCertFile)
	certPEM, err := readFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("load root CA: %w", err)
	}
	cert, err := parseOneCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certPath, err)
	}
	r := &Root{Cert: cert, CertPEM: certPEM}
	keyPath := filepath.Join(dir, RootKeyFile)
	keyPEM, ok, err := readOptional(keyPath)
	if err != nil || !ok {
		return r, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	if !samePublicKey(key.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("%s does not match %s: %w", keyPath, certPath, ErrKeyMismatch)
	}
	r.Key, r.KeyPEM = key, keyPEM
	return r, nil
}

// Load reads the root and the intermediates of clusters from dir; with nil
// clusters, every subdirectory holding a ca-cert.pem, in name order. It only
// checks that each file is present and parses; Root.Verify checks the rest.
func Load(dir string, clusters []string) (*Root, []*Intermediate, error) {
	r, err := LoadRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	if clusters == nil {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			if !e.IsDir() || checkCluster(e.Name()) != nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, e.Name(), CACertFile)); err == nil {
				clusters = append(clusters, e.Name())
			}
		}
	}
	inters := make([]*Intermediate, 0, len(clusters))
	for _, c := range clusters {
		i, err := loadIntermediate(dir, c)
		if err != nil {
			return nil, nil, err
		}
		inters = append(inters, i)
	}
	return r, inters, nil
}

func loadIntermediate(dir, cluster string) (*Intermediate, error) {
	if err := checkCluster(cluster); err != nil {
		return nil, err
	}
	i := &Intermediate{Cluster: cluster}
	for _, f := range []struct {
		name  string
		dst   *[]byte
		parse func([]byte) error
	}{
		{CACertFile, &i.CACertPEM, func(b []byte) (err error) { i.Cert, err = parseOneCert(b); return err }},
		{CAKeyFile, &i.CAKeyPEM, func(b []byte) error { _, err := parseKey(b); return err }},
		{CertChainFile, &i.CertChainPEM, func(b []byte) error { _, err := parseCerts(b); return err }},
		{RootCertFile, &i.RootCertPEM, func(b []byte) error { _, err := parseCerts(b); return err }},
	} {
		path := filepath.Join(dir, cluster, f.name)
		data, err := readFile(path)
		if err != nil {
			return nil, fmt.Errorf("cluster %q: %w", cluster, err)
		}
		if err := f.parse(data); err != nil {
			return nil, fmt.Errorf("cluster %q: %s: %w", cluster, path, err)
		}
		*f.dst = data
	}
	return i, nil
}
