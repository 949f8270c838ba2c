package tui

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// The review screen's file Cmds: saving the mesh config and exporting the
// plan. They touch the file system, so they run in Cmds and report back.

// reviewSavedMsg says where the mesh config was saved.
type reviewSavedMsg struct {
	path      string // absolute
	data      []byte
	unchanged bool // the file already held exactly this config
	err       error
}

// reviewConflictMsg says the config file exists and holds something else:
// the screen asks whether to overwrite it or to save as alt.
type reviewConflictMsg struct {
	path, alt string // absolute
	data      []byte
}

// reviewExportedMsg lists the files the export wrote.
type reviewExportedMsg struct {
	dir   string // absolute
	files []string
	err   error
}

// reviewConfigFile and reviewPlanDir are where the review screen saves and
// exports, under Options.Dir.
const (
	reviewConfigFile = "mesh.yaml"
	reviewPlanDir    = "meshwiz-plan"
)

// savePath is where s saves: the file saved before, or mesh.yaml in Dir.
func (m reviewModel) savePath() string {
	if m.s.configPath != "" {
		return m.s.configPath
	}
	return filepath.Join(m.s.opts.Dir, reviewConfigFile)
}

// exportDir is where e exports the plan.
func (m reviewModel) exportDir() string {
	return filepath.Join(m.s.opts.Dir, reviewPlanDir)
}

// reviewSave writes data to path (0644). A file that holds data already is
// left alone; one that holds something else is overwritten only with force
// or when it holds what this screen wrote last (ours), otherwise the Cmd
// asks, offering the first free mesh-N.yaml beside it.
func reviewSave(path string, data, ours []byte, force bool) tea.Cmd {
	return func() tea.Msg {
		abs, err := filepath.Abs(path)
		if err != nil {
			return reviewSavedMsg{err: err}
		}
		old, err := os.ReadFile(abs)
		switch {
		case err == nil && bytes.Equal(old, data):
			return reviewSavedMsg{path: abs, data: data, unchanged: true}
		case err == nil && !force && (ours == nil || !bytes.Equal(old, ours)):
			alt, err := reviewFreeName(abs, data)
			if err != nil {
				return reviewSavedMsg{err: err}
			}
			return reviewConflictMsg{path: abs, alt: alt, data: data}
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return reviewSavedMsg{err: err}
		}
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			return reviewSavedMsg{err: err}
		}
		if err := os.WriteFile(abs, data, 0o644); err != nil {
			return reviewSavedMsg{err: err}
		}
		return reviewSavedMsg{path: abs, data: data}
	}
}

// reviewFreeName returns path with -2, -3, … before its extension: the
// first that does not exist or already holds data.
func reviewFreeName(path string, data []byte) (string, error) {
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for n := 2; n < 1000; n++ {
		p := fmt.Sprintf("%s-%d%s", stem, n, ext)
		old, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && bytes.Equal(old, data)) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("%s-2%s … %s-999%s all exist", stem, ext, stem, ext)
}

// reviewExport writes the plan's manifests into dir with install.Export,
// as `meshwiz plan --out` does. Rendering the charts takes a moment.
func reviewExport(cfg *mesh.Config, dir string) tea.Cmd {
	return func() tea.Msg {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return reviewExportedMsg{err: err}
		}
		files, err := install.Export(cfg, abs)
		return reviewExportedMsg{dir: abs, files: files, err: err}
	}
}
