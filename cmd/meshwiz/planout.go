package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// planManifest lists, in dir of `plan --out`, every file the last plan wrote
// there with its SHA-256, in sha256sum's format (`cd DIR && sha256sum -c
// .meshwiz-plan.sha256` checks them). It is how a later plan tells its own
// unchanged files, which it may replace, from everything else.
const planManifest = ".meshwiz-plan.sha256"

// maxListed caps the files an error names; maxForeign stops the look into
// a directory that is clearly not a plan's.
const (
	maxListed  = 5
	maxForeign = 100
)

// checkPlanDir decides whether plan may write into dir: a missing or empty
// directory, or one holding only files an earlier plan wrote there and
// nobody changed since, is fine. Any other file (or a changed one) is a
// usage error naming dir, the files and --force, unless force. It returns
// the earlier plan's unchanged files (relative paths), which the new plan
// replaces or, when it no longer has them, removes.
func checkPlanDir(dir string, force bool) (map[string]bool, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, usagef("--out %s is a file, not a directory: name a new or empty directory", dir)
	}
	prev, err := readPlanManifest(dir)
	if err != nil {
		return nil, err
	}
	ours := map[string]bool{}
	var foreign []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == planManifest {
			return err
		}
		if sum, ok := prev[rel]; ok && d.Type().IsRegular() {
			if got, err := fileSHA256(path); err == nil && got == sum {
				ours[rel] = true
				return nil
			}
		}
		foreign = append(foreign, rel)
		if len(foreign) == maxForeign && !force {
			return fs.SkipAll // enough to refuse (--out $HOME would walk it all)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(foreign) > 0 && !force {
		n := fmt.Sprint(len(foreign))
		if len(foreign) == maxForeign {
			n += " or more"
		}
		return nil, usagef("--out %s holds %s file(s) that `meshwiz plan` did not write there, or that changed since (%s): name a new or empty directory, or pass --force to overwrite the plan's files (other files are left alone)",
			dir, n, listSome(foreign))
	}
	return ours, nil
}

// finishPlanDir records the files a plan wrote into dir (paths as Export
// returns them) and removes the earlier plan's unchanged files that this
// plan no longer has, with the directories they leave empty. It returns how
// many it removed.
func finishPlanDir(dir string, written []string, earlier map[string]bool) (int, error) {
	var b strings.Builder
	now := map[string]bool{}
	for _, p := range written {
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return 0, err
		}
		sum, err := fileSHA256(p)
		if err != nil {
			return 0, err
		}
		now[rel] = true
		fmt.Fprintf(&b, "%s  %s\n", sum, filepath.ToSlash(rel))
	}
	if err := os.WriteFile(filepath.Join(dir, planManifest), []byte(b.String()), 0o644); err != nil {
		return 0, err
	}
	removed := 0
	for _, rel := range slices.Sorted(func(yield func(string) bool) {
		for rel := range earlier {
			if !now[rel] && !yield(rel) {
				return
			}
		}
	}) {
		if err := os.Remove(filepath.Join(dir, rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		removed++
		for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
			if os.Remove(filepath.Join(dir, d)) != nil { // not empty: keep it
				break
			}
		}
	}
	return removed, nil
}

// readPlanManifest reads dir's plan manifest: relative path → SHA-256. A
// directory without one has no files of an earlier plan.
func readPlanManifest(dir string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(dir, planManifest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		if sum, rel, ok := strings.Cut(sc.Text(), "  "); ok {
			out[filepath.FromSlash(rel)] = sum
		}
	}
	return out, sc.Err()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// listSome joins the first maxListed names, saying how many more there are.
func listSome(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxListed], ", ") + fmt.Sprintf(", … and %d more", len(names)-maxListed)
}
