package tui

import (
	"path/filepath"
	"testing"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// reviewAt returns a wizard of width×height on the review screen of a setup
// of the named contexts. Its files go to a temp dir (Options.Dir and the CA
// directory) and generated keys are 2048-bit, for speed. edit, when not
// nil, changes the mesh config before the review lays out the plan (the
// screens in between are skipped with nextMsg).
func reviewAt(t *testing.T, width, height int, edit func(*mesh.Config), contexts ...string) Model {
	t.Helper()
	var cs []kube.Context
	for _, c := range contexts {
		cs = append(cs, kube.Context{Name: c, Cluster: c, User: c + "-admin", Server: "https://127.0.0.1:6443"})
	}
	m := update(t, sized(t, width, height), contextsChosenMsg{contexts: cs}, clientsReadyMsg{clients: map[string]*kube.Client{}})
	dir := t.TempDir()
	m.s.opts.Dir = dir
	m.s.opts.KeyBits = 2048
	m.s.cfg.Security.CA.Dir = filepath.Join(dir, "certs")
	for i := 0; m.screen != screenReview; i++ {
		if i > int(screenCount) {
			t.Fatalf("nextMsg never reached the review screen; stuck on %s", screenNames[m.screen])
		}
		m = update(t, m, nextMsg{})
	}
	if edit != nil {
		edit(m.s.cfg)
		m.s.cfg.Default()
		s, _ := m.screens[screenReview].enter(true)
		m.screens[screenReview] = s
		m = m.resize()
	}
	return m
}

// reviewScreen returns the review screen's model.
func reviewScreen(m Model) reviewModel {
	return m.screens[screenReview].(reviewModel)
}

// reviewNetworkPerCluster puts every cluster on a network of its own, which
// gives each a gateway and the longest plan (12 steps per cluster).
func reviewNetworkPerCluster(cfg *mesh.Config) {
	for i := range cfg.Clusters {
		cfg.Clusters[i].Network = "net-" + cfg.Clusters[i].Context
	}
}
