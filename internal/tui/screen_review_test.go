package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

func TestReviewShowsThePlanPerCluster(t *testing.T) {
	m := reviewAt(t, 80, 0, nil, "east", "west") // height unknown: everything is drawn
	v := view(m)
	for _, want := range []string{
		"Review: what setup will do",
		"Mesh mesh1 · multi-primary · Istio " + mesh.DefaultIstioVersion + " · 2 clusters · 16 steps",
		"mTLS PERMISSIVE",
		"CA generated in " + m.s.cfg.Security.CA.Dir,
		"networks 1",
		"Cluster east · context east · primary · network network1",
		"Cluster west · context west · primary · network network1",
		"sidecar injection: no namespaces",
		" 1. istio-system exists with the cluster's topology labels",
		" 3. Helm release istio-base is deployed",
		"6. istiod in east can read cluster west (remote secret) (after the",
		filepath.Join(m.s.opts.Dir, "mesh.yaml"),
		"plan not exported",
		"enter install",
		"s save config",
		"e export plan",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
	// east's steps come before west's, each lane in plan order.
	if strings.Index(v, "Cluster east") > strings.Index(v, "Cluster west") {
		t.Error("clusters are not in config order")
	}
}

func TestReviewRemoteAndSettings(t *testing.T) {
	m := reviewAt(t, 100, 0, func(c *mesh.Config) {
		c.Model = mesh.PrimaryRemote
		for i := range c.Clusters {
			c.Clusters[i].Role = "" // Default makes the first the primary, the rest its remotes
		}
		c.Security.MTLS = mesh.MTLSStrict
		c.Clusters[0].InjectNamespaces = []string{"shop", "default"}
		reviewNetworkPerCluster(c)
	}, "east", "west")
	m.s.allowLoopback = true
	v := reviewFlat(view(m))
	for _, want := range []string{
		"primary-remote",
		"mTLS STRICT: sidecars accept mutual TLS only",
		"Cluster west · context west · remote of east · network net-west",
		"sidecar injection: shop, default",
		"Helm release istiod (remote profile) points at the primary (after the gateway address of east)",
		"networks 2",
		"east-west gateways 2, Service type LoadBalancer",
		GlyphWarn + " loopback API server addresses accepted",
		// An engine fact: which chart release the values were verified against.
		"charts: embedded Istio 1.31.0; values verified against this release",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
}

func TestReviewScrollsAndFits(t *testing.T) {
	m := reviewAt(t, 80, 24, reviewNetworkPerCluster, "east", "west", "north")
	checkFits(t, m, 80, 24)
	if !reviewMoreBelow(view(m)) {
		t.Fatalf("3 clusters × 12 steps do not fit 80×24, but nothing says so:\n%s", view(m))
	}
	for i := 0; reviewMoreBelow(view(m)); i++ {
		if i > 100 {
			t.Fatalf("down never reaches the bottom:\n%s", view(m))
		}
		m = update(t, m, press("down"))
		checkFits(t, m, 80, 24)
	}
	v := view(m)
	if i, j := strings.Index(v, "istiod in north can read cluster west"), strings.Index(v, "12. chosen namespaces have sidecar injection enabled"); i < 0 || j < i {
		t.Fatalf("at the bottom, north's last step is not shown:\n%s", v)
	}
	if !strings.Contains(v, "↑ ") {
		t.Errorf("at the bottom the scroll line should say lines are above:\n%s", v)
	}
	m = update(t, m, press("down"), press("down")) // past the end: stays
	checkFits(t, m, 80, 24)
	m = update(t, m, tea.KeyPressMsg{Code: tea.KeyHome})
	if !strings.Contains(view(m), "Mesh mesh1") {
		t.Errorf("home did not scroll back to the top:\n%s", view(m))
	}
	m = update(t, m, tea.KeyPressMsg{Code: tea.KeyPgDown})
	if strings.Contains(view(m), "Mesh mesh1") {
		t.Errorf("pgdown did not scroll:\n%s", view(m))
	}
	for _, size := range [][2]int{{60, 20}, {120, 40}, {40, 12}} {
		m = update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		installScreenFits(t, m, size[0], size[1])
	}
}

func TestReviewConfirmsBeforeInstalling(t *testing.T) {
	m := reviewAt(t, 80, 24, nil, "east", "west")
	m, cmd := updateCmd(m, press("enter"))
	if cmd != nil {
		t.Fatalf("enter moved on without asking: %T", cmd())
	}
	if !strings.Contains(view(m), "Apply 16 steps to 2 clusters? y/n") {
		t.Fatalf("no confirmation question:\n%s", view(m))
	}
	if v := view(m); !strings.Contains(v, "y install") || strings.Contains(v, "q quit") || strings.Contains(v, "esc back") {
		t.Errorf("while asking, the help should offer y and n only:\n%s", v)
	}
	checkFits(t, m, 80, 24)
	m, cmd = updateCmd(m, press("esc"))
	if m.screen != screenReview {
		t.Fatal("esc answered the question by leaving the screen")
	}
	if cmd == nil || !strings.Contains(string(findMsg[statusMsg](t, cmd)), "Nothing was applied") {
		t.Error("declining does not say that nothing was applied")
	}
	if strings.Contains(view(m), "y/n") {
		t.Errorf("the question is still open after esc:\n%s", view(m))
	}
	m = update(t, m, press("enter"))
	_, cmd = updateCmd(m, press("y"))
	if cmd == nil {
		t.Fatal("y did not move on")
	}
	if _, ok := cmd().(nextMsg); !ok {
		t.Errorf("y sent %T, want nextMsg", cmd())
	}
}

func TestReviewSaveWritesTheMeshConfig(t *testing.T) {
	m := reviewAt(t, 80, 24, func(c *mesh.Config) { c.Clusters[1].InjectNamespaces = []string{"shop"} }, "east", "west")
	m, cmd := updateCmd(m, press("s"))
	saved := findMsg[reviewSavedMsg](t, cmd)
	if saved.err != nil {
		t.Fatal(saved.err)
	}
	m, cmd = updateCmd(m, saved)
	path := filepath.Join(m.s.opts.Dir, "mesh.yaml")
	if m.s.configPath != path {
		t.Errorf("session configPath = %q, want %q", m.s.configPath, path)
	}
	if st := findMsg[statusMsg](t, cmd); !strings.Contains(string(st), path) {
		t.Errorf("status %q does not say where", st)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Fatalf("mesh.yaml: %v, mode %v", err, info)
	}
	got, err := mesh.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got.Default()
	if err := got.Validate(); err != nil {
		t.Fatalf("the saved config does not validate: %v", err)
	}
	want, _ := m.s.cfg.Marshal()
	back, _ := got.Marshal()
	if !bytes.Equal(want, back) {
		t.Errorf("saved config differs from the session's:\n%s\nwant\n%s", back, want)
	}
	v := reviewFlat(view(m))
	for _, w := range []string{GlyphOK + " config saved to " + path, "meshwiz setup --config " + path + " --yes --ca-key-size 2048"} {
		if !strings.Contains(v, w) {
			t.Errorf("review lacks %q:\n%s", w, v)
		}
	}
	checkFits(t, m, 80, 24)

	// Saving again unchanged leaves the file alone and says so.
	_, cmd = updateCmd(m, press("s"))
	if again := findMsg[reviewSavedMsg](t, cmd); !again.unchanged {
		t.Errorf("saving the same config again: %+v", again)
	}
	// A change of the config overwrites what the screen wrote itself.
	m.s.cfg.MeshID = "mesh2"
	_, cmd = updateCmd(m, press("s"))
	if over := findMsg[reviewSavedMsg](t, cmd); over.err != nil || over.path != path {
		t.Errorf("re-saving a changed config over the screen's own file: %+v", over)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "meshID: mesh2") {
		t.Errorf("mesh.yaml was not updated:\n%s", b)
	}
}

func TestReviewSaveAsksBeforeOverwriting(t *testing.T) {
	m := reviewAt(t, 80, 24, nil, "east", "west")
	path := filepath.Join(m.s.opts.Dir, "mesh.yaml")
	theirs := []byte("# someone else's mesh\n")
	os.WriteFile(path, theirs, 0o644)

	m, cmd := updateCmd(m, press("s"))
	conflict := findMsg[reviewConflictMsg](t, cmd)
	m = update(t, m, conflict)
	alt := filepath.Join(m.s.opts.Dir, "mesh-2.yaml")
	v := reviewFlat(view(m))
	for _, want := range []string{path + " holds a different mesh config. Overwrite it?", "n saves as " + alt, "y overwrite", "esc cancel"} {
		if !strings.Contains(v, want) {
			t.Errorf("overwrite question lacks %q:\n%s", want, v)
		}
	}
	checkFits(t, m, 80, 24)

	// esc cancels: nothing written, the screen stays.
	m = update(t, m, press("esc"))
	if m.screen != screenReview || m.s.configPath != "" {
		t.Fatalf("esc on the question left the screen or saved: %s %q", screenNames[m.screen], m.s.configPath)
	}
	// n writes mesh-2.yaml and keeps theirs.
	m = update(t, m, press("s"))
	m = update(t, m, conflict)
	m, cmd = updateCmd(m, press("n"))
	saved := findMsg[reviewSavedMsg](t, cmd)
	m = update(t, m, saved)
	if saved.path != alt || m.s.configPath != alt {
		t.Errorf("n saved to %q (session %q), want %q", saved.path, m.s.configPath, alt)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, theirs) {
		t.Error("n overwrote the existing mesh.yaml")
	}
	if _, err := mesh.Load(alt); err != nil {
		t.Errorf("mesh-2.yaml: %v", err)
	}
	// y overwrites.
	m.s.configPath = ""
	_, cmd = updateCmd(m, press("s"))
	m = update(t, m, findMsg[reviewConflictMsg](t, cmd))
	_, cmd = updateCmd(m, press("y"))
	if saved := findMsg[reviewSavedMsg](t, cmd); saved.err != nil || saved.path != path {
		t.Errorf("y: %+v", saved)
	}
	if b, _ := os.ReadFile(path); bytes.Equal(b, theirs) {
		t.Error("y did not overwrite mesh.yaml")
	}
}

func TestReviewExportWritesThePlan(t *testing.T) {
	m := reviewAt(t, 80, 24, nil, "east", "west") // one network: no gateway to render, which is slow under -race
	m, cmd := updateCmd(m, press("e"))
	if !strings.Contains(view(m), "exporting the plan") {
		t.Errorf("no sign of the export running:\n%s", view(m))
	}
	if k := reviewScreen(m).Keys(); k.Export.Enabled() || k.Save.Enabled() {
		t.Error("e and s stay enabled while the export runs")
	}
	done := findMsg[reviewExportedMsg](t, cmd)
	if done.err != nil {
		t.Fatal(done.err)
	}
	m = update(t, m, done)
	dir := filepath.Join(m.s.opts.Dir, "meshwiz-plan")
	if m.s.exportDir != dir {
		t.Errorf("session exportDir = %q, want %q", m.s.exportDir, dir)
	}
	for _, f := range []string{"east/04-istiod.yaml", "west/02-cacerts.yaml", "west/istiod.values.yaml", "east/06-remote-secret-west.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("export lacks %s: %v", f, err)
		}
	}
	if !strings.Contains(view(m), GlyphOK+" plan exported to "+dir) {
		t.Errorf("review does not say where the plan went:\n%s", view(m))
	}
}

func TestReviewIncompleteConfig(t *testing.T) {
	m := reviewAt(t, 80, 24, func(c *mesh.Config) { c.Clusters[0].Name = "Not A Label" }, "east", "west")
	v := view(m)
	if !strings.Contains(v, "The mesh config is not complete") || !strings.Contains(v, "clusters[0].name") {
		t.Errorf("an invalid config should say why there is no plan:\n%s", v)
	}
	if k := reviewScreen(m).Keys(); k.Next.Enabled() || k.Export.Enabled() || !k.Back.Enabled() {
		t.Error("with no plan, enter and e should be off and esc on")
	}
	checkFits(t, m, 80, 24)
}

// reviewFlat joins the lines of a frame with single spaces, so that text
// wrapped at any width can be searched for.
func reviewFlat(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// reviewMoreBelow reports whether a frame says that lines are scrolled out
// below.
func reviewMoreBelow(v string) bool {
	return regexp.MustCompile(`↓ \d+ more`).MatchString(v)
}
