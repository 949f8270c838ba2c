package tui

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// topologyContexts are an EKS context and a plain one.
var topologyContexts = []kube.Context{
	{Name: "arn:aws:eks:eu-west-1:123:cluster/prod-east", Server: "https://east.example:6443"},
	{Name: "west", Server: "https://west.example:6443"},
}

// topologyFlat is the frame with every run of white space made one space,
// so that phrases wrapped over lines still match.
func topologyFlat(m Model) string {
	v := topologyHyphenBreak.ReplaceAllString(strings.ReplaceAll(view(m), "┃", " "), "-")
	return strings.Join(strings.Fields(v), " ")
}

// topologyHyphenBreak is a line broken after a hyphen by wrapping.
var topologyHyphenBreak = regexp.MustCompile(`-[ \t]*\n[ \t]*`)

// topologyWant fails unless the frame holds every phrase (wrapping aside).
func topologyWant(t *testing.T, m Model, phrases ...string) {
	t.Helper()
	flat := topologyFlat(m)
	for _, p := range phrases {
		if !strings.Contains(flat, strings.Join(strings.Fields(p), " ")) {
			t.Errorf("the frame lacks %q:\n%s", p, view(m))
		}
	}
}

// topologyPageOf returns the page title of the current frame's page.
func topologyPageOf(m Model) string {
	tm := topologyScreen(m)
	return tm.title(tm.current())
}

// topologyToPage presses enter until the page whose title starts with title
// shows.
func topologyToPage(t *testing.T, m Model, title string) Model {
	t.Helper()
	for range 30 {
		if strings.HasPrefix(topologyPageOf(m), title) {
			return m
		}
		var next bool
		m, next = topologyRunNext(t, m, topologyKeys("enter")...)
		if next {
			t.Fatalf("left the screen before page %q", title)
		}
	}
	t.Fatalf("page %q never showed; on %q:\n%s", title, topologyPageOf(m), view(m))
	return m
}

func TestTopologyPrefillsNamesFromContexts(t *testing.T) {
	m := topologyOn(t, 80, 24, topologyContexts, nil)
	topologyWant(t, m, "Deployment model and mesh ID · page 1 of 4", "multi-primary", "primary-remote", "> mesh1")

	m = topologyToPage(t, m, "Cluster 1 of 2: prod-east")
	topologyWant(t, m, "Cluster name", "> prod-east", "from the context arn:aws:eks:eu-west-",
		"API server address for remote secrets", "leave empty to use the kubeconfig's", "https://east.example:6443")
	if v := topologyScreen(m).v.clusters[0]; v.name != "prod-east" || len(topologyScreen(m).v.errors(m.s.cfg)) != 0 {
		t.Errorf("the EKS context's prefilled name is %q (errors %v), want the valid label prod-east", v.name, topologyScreen(m).v.errors(m.s.cfg))
	}
	m = topologyToPage(t, m, "Cluster 2 of 2: west")
	topologyWant(t, m, "> west")

	// Enter on the last field commits: the engine's config gets the names.
	m, next := topologyRunNext(t, m, topologyKeys("enter", "enter")...)
	if !next {
		t.Fatalf("enter on the last field did not move on:\n%s", view(m))
	}
	if err := m.s.cfg.Validate(); err != nil {
		t.Errorf("the committed config is invalid: %v", err)
	}
	if c := m.s.cfg.Clusters; c[0].Name != "prod-east" || c[1].Name != "west" || c[0].Network != mesh.DefaultNetwork || c[1].Network != mesh.DefaultNetwork {
		t.Errorf("committed clusters = %+v, want prod-east and west on %s", c, mesh.DefaultNetwork)
	}
}

func TestTopologyInvalidNameShowsEngineMessageAndRefusesNext(t *testing.T) {
	m := topologyOn(t, 80, 24, topologyContexts, nil)
	m = topologyToPage(t, m, "Cluster 2 of 2: west")
	m = topologyRun(t, m, topologyClear()...)
	topologyWant(t, m, "name: is empty (set the cluster's mesh name, e.g. name: west)")

	m = topologyRun(t, m, topologyType("East_1")...)
	topologyWant(t, m, `name: "East_1" is not a DNS-1123 label`, "use lower case letters, digits and '-', e.g. name: east-1")
	if k := m.screens[screenTopology].Keys(); k.Quit.Enabled() {
		t.Error("q quits while the name input has focus: it cannot be typed")
	}
	m, next := topologyRunNext(t, m, topologyKeys("enter", "tab", "enter", "enter")...)
	if next || topologyScreen(m).page != 3 || topologyFocusedLabel(m) != "name" {
		t.Fatalf("enter with an invalid name moved on (next %v, page %q, field %q):\n%s", next, topologyPageOf(m), topologyFocusedLabel(m), view(m))
	}
	if m.s.cfg.Clusters[1].Name != "west" {
		t.Errorf("an invalid name reached the config: %q", m.s.cfg.Clusters[1].Name)
	}

	// A duplicate is the engine's message too.
	m = topologyRun(t, m, topologyClear()...)
	m = topologyRun(t, m, topologyPaste("prod-east")...)
	topologyWant(t, m, `name: "prod-east" is also clusters[0]'s name (give every cluster its own name)`)

	m = topologyRun(t, m, topologyClear()...)
	m = topologyRun(t, m, topologyPaste("west-2")...)
	if strings.Contains(view(m), GlyphFail) {
		t.Errorf("a valid name still shows an error:\n%s", view(m))
	}
	m, next = topologyRunNext(t, m, topologyKeys("enter", "enter", "enter")...)
	if !next || m.s.cfg.Clusters[1].Name != "west-2" {
		t.Errorf("a valid name did not go on (next %v, name %q):\n%s", next, m.s.cfg.Clusters[1].Name, view(m))
	}
}

// topologyFocusedLabel is the label of the focused field.
func topologyFocusedLabel(m Model) string {
	tm := topologyScreen(m)
	if i := tm.form.focused(); i >= 0 {
		return tm.form.fields[i].label
	}
	return ""
}

func TestTopologyMeshIDValidatedAsTyped(t *testing.T) {
	m := topologyOn(t, 80, 24, topologyContexts, nil)
	m = topologyRun(t, m, topologyKeys("enter")...) // to the mesh ID
	m = topologyRun(t, m, topologyClear()...)
	m = topologyRun(t, m, topologyType("Mesh One")...)
	topologyWant(t, m, `mesh ID: "Mesh One" is not a valid mesh ID`, "use lower case letters, digits, '-' and '.', e.g. mesh1")
	m = topologyRun(t, m, topologyKeys("enter")...)
	if topologyPageOf(m) != "Deployment model and mesh ID" {
		t.Errorf("an invalid mesh ID left the page:\n%s", view(m))
	}
}

func TestTopologyBackAndForthKeepsInput(t *testing.T) {
	m := topologyOn(t, 80, 24, topologyContexts, nil)
	m = topologyRun(t, m, topologyKeys("enter")...)
	m = topologyRun(t, m, topologyClear()...)
	m = topologyRun(t, m, topologyPaste("prod-mesh")...)
	m = topologyToPage(t, m, "Cluster 1 of 2: prod-east")
	m = topologyRun(t, m, topologyClear()...)
	m = topologyRun(t, m, topologyPaste("east")...)

	// shift+tab on a page's first field goes to the previous page.
	m = topologyRun(t, m, topologyKeys("shift+tab")...)
	if topologyPageOf(m) != "Networks" || topologyFocusedLabel(m) == "" {
		t.Fatalf("shift+tab on the first field did not go back a page:\n%s", view(m))
	}

	// esc leaves for the contexts screen; choosing the same clusters comes back.
	m = topologyRun(t, m, topologyKeys("esc")...)
	if m.screen != screenContexts {
		t.Fatalf("esc did not go back to the contexts:\n%s", view(m))
	}
	m = update(t, m, contextsChosenMsg{contexts: topologyContexts})
	m = topologyRun(t, m, clientsReadyMsg{clients: map[string]*kube.Client{}})
	topologyWant(t, m, "> prod-mesh")
	m = topologyToPage(t, m, "Cluster 1 of 2: east")
	topologyWant(t, m, "> east")

	// Committed, then back from the next screen: the last page, as left.
	m = topologyToPage(t, m, "Cluster 2 of 2: west")
	m, next := topologyRunNext(t, m, topologyKeys("enter", "enter")...)
	if !next || m.s.cfg.MeshID != "prod-mesh" || m.s.cfg.Clusters[0].Name != "east" {
		t.Fatalf("commit: next %v, config %+v", next, m.s.cfg)
	}
	m = topologyRun(t, m, nextMsg{})
	if m.screen == screenTopology {
		t.Fatal("nextMsg did not leave the topology screen")
	}
	m = topologyMoveBack(t, m, screenTopology)
	if topologyPageOf(m) != "Cluster 2 of 2: west" || topologyFocusedLabel(m) != "API server address" {
		t.Errorf("coming back lands on %q, field %q; want the last field of the last page:\n%s", topologyPageOf(m), topologyFocusedLabel(m), view(m))
	}
	m = topologyRun(t, m, topologyKeys("shift+tab", "shift+tab")...)
	if topologyPageOf(m) != "Cluster 1 of 2: east" {
		t.Errorf("shift+tab from the first field of the last page did not go back:\n%s", view(m))
	}
}

// topologyMoveBack moves back screen by screen, without running the Cmds of
// the screens in between, until the wizard is on s.
func topologyMoveBack(t *testing.T, m Model, s screen) Model {
	t.Helper()
	for m.screen != s {
		pos := m.pos
		next, cmd := m.move(-1)
		m = next.(Model)
		if m.pos == pos {
			t.Fatalf("cannot move back to %s", screenNames[s])
		}
		if m.screen == s {
			m, _ = topologyDrive(t, m, true, topologyMsgs(cmd)...)
		}
	}
	return m
}

func TestTopologyPrimaryRemoteChoosesPrimaries(t *testing.T) {
	cs := []kube.Context{{Name: "east"}, {Name: "west"}, {Name: "north"}}
	m := topologyOn(t, 80, 24, cs, nil)
	m = topologyRun(t, m, topologyKeys("down")...)
	topologyWant(t, m, "page 1 of 6")
	m = topologyToPage(t, m, "Primaries and remotes")
	topologyWant(t, m, "east", "← primary · runs istiod →", "west", "remote · controlled by east", "north")
	if k := m.screens[screenTopology].Keys(); !k.Left.Enabled() || !strings.Contains(view(m), "←/→ choose") {
		t.Errorf("the help does not say how to choose a role:\n%s", view(m))
	}

	// west becomes a primary, north a remote of west.
	m = topologyRun(t, m, topologyKeys("enter", "left")...)
	topologyWant(t, m, "← primary · runs istiod →")
	m = topologyRun(t, m, topologyKeys("enter", "right")...)
	topologyWant(t, m, "remote · controlled by west")

	m = topologyToPage(t, m, "Cluster 3 of 3: north")
	m, next := topologyRunNext(t, m, topologyKeys("enter", "enter")...)
	if !next {
		t.Fatalf("the primary-remote mesh was not accepted:\n%s", view(m))
	}
	c := m.s.cfg
	if c.Model != mesh.PrimaryRemote || c.Clusters[0].Role != mesh.Primary || c.Clusters[1].Role != mesh.Primary ||
		c.Clusters[2].Role != mesh.Remote || c.Clusters[2].Primary != "west" {
		t.Errorf("config = model %s, clusters %+v; want east and west primaries, north a remote of west", c.Model, c.Clusters)
	}
}

func TestTopologyPrimaryRemoteWithoutPrimaryRefused(t *testing.T) {
	m := topologyOn(t, 80, 24, []kube.Context{{Name: "east"}, {Name: "west"}}, nil)
	m = topologyRun(t, m, topologyKeys("down")...)
	m = topologyToPage(t, m, "Primaries and remotes")
	m = topologyRun(t, m, topologyKeys("right")...) // east: a remote of west, which is a remote too
	topologyWant(t, m, `has no primary, but model is primary-remote (set role: primary on the cluster that runs istiod)`)
	m = topologyRun(t, m, topologyKeys("enter", "enter")...)
	if topologyPageOf(m) != "Primaries and remotes" {
		t.Errorf("a mesh without a primary left the roles page:\n%s", view(m))
	}
}

func TestTopologyOverlappingCIDRsSuggestANetworkPerCluster(t *testing.T) {
	clients := map[string]*kube.Client{
		"east": topologyFakeClient("east", topologyNode("e1", "10.244.0.0/24"), topologyNode("e2", "10.244.1.0/24")),
		"west": topologyFakeClient("west", topologyNode("w1", "10.244.1.0/24")),
	}
	m := topologyOn(t, 80, 24, []kube.Context{{Name: "east"}, {Name: "west"}}, clients)
	if tm := topologyScreen(m); tm.cidrs == nil || !tm.v.perCluster {
		t.Fatalf("the overlap did not pick a network per cluster before the page showed: %+v", tm.cidrs)
	}
	m = topologyToPage(t, m, "Networks")
	topologyWant(t, m, "a network per cluster · traffic between clusters goes through east-west gateways (suggested)",
		"A network per cluster is suggested: the pod CIDRs overlap (east and west share 10.244.1.0-10.244.1.255)",
		"pods cannot reach each other's IPs directly")
	m = topologyToPage(t, m, "Cluster 1 of 2: east")
	topologyWant(t, m, "> network-east")

	// Renaming the cluster renames its default network.
	m = topologyRun(t, m, topologyClear()...)
	m = topologyRun(t, m, topologyPaste("europe")...)
	m = topologyRun(t, m, topologyKeys("enter")...)
	topologyWant(t, m, "> network-europe")
}

func TestTopologyCIDRMessageUpdatesTheNetworksPage(t *testing.T) {
	m := topologyOn(t, 80, 24, []kube.Context{{Name: "east"}, {Name: "west"}}, nil)
	m = topologyToPage(t, m, "Networks")
	topologyWant(t, m, "Could not read the nodes of east: no client for context")
	tm := topologyScreen(m)
	m = topologyRun(t, m, topologyCIDRsMsg{key: tm.key, ranges: map[string]string{"east": "x", "west": "y"},
		overlaps: []checks.Overlap{{A: "east", B: "west", Shared: "10.0.0.0-10.0.0.255"}}})
	topologyWant(t, m, "(suggested)", "east and west share 10.0.0.0-10.0.0.255")
	if topologyScreen(m).v.perCluster {
		t.Error("the suggestion changed a choice the user has already seen")
	}
	m = topologyRun(t, m, topologyCIDRsMsg{key: "other clusters", overlaps: nil})
	topologyWant(t, m, "(suggested)")

	m = topologyRun(t, m, topologyCIDRsMsg{key: tm.key, ranges: map[string]string{"east": "a", "west": "b"}})
	topologyWant(t, m, GlyphOK+" The pod CIDRs do not overlap")
	if strings.Contains(view(m), "suggested") {
		t.Errorf("no overlap, still suggested:\n%s", view(m))
	}

	// One network: its name is asked on this page.
	topologyWant(t, m, "Network name", "> network1")
	m = topologyRun(t, m, topologyKeys("down")...)
	if strings.Contains(view(m), "Network name") {
		t.Errorf("a network per cluster still asks for the shared name:\n%s", view(m))
	}
}

func TestTopologyReadCIDRs(t *testing.T) {
	broken := topologyFakeClient("broken")
	broken.Kube.(interface {
		PrependReactor(verb, resource string, reaction k8stesting.ReactionFunc)
	}).PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("boom")
	})
	clients := map[string]*kube.Client{
		"a":      topologyFakeClient("a", topologyNode("a1", "10.0.0.0/16", "fd00::/64")),
		"b":      topologyFakeClient("b", topologyNode("b1", "10.1.0.0/16"), topologyNode("b2", "fd00::/48")),
		"none":   topologyFakeClient("none", topologyNode("n1")),
		"broken": broken,
	}
	msg := topologyReadCIDRs(context.Background(), "k", []string{"a", "b", "none", "broken", "missing"}, clients)().(topologyCIDRsMsg)
	if msg.key != "k" || len(msg.overlaps) != 1 || msg.overlaps[0] != (checks.Overlap{A: "a", B: "b", Shared: "fd00::-fd00::ffff:ffff:ffff:ffff"}) {
		t.Errorf("overlaps = %+v, want a and b sharing fd00::/64", msg.overlaps)
	}
	if len(msg.unknown) != 1 || msg.unknown[0] != "none" {
		t.Errorf("unknown = %v, want none", msg.unknown)
	}
	if len(msg.failed) != 2 || msg.failed["broken"] == nil || !strings.Contains(msg.failed["broken"].Error(), "listing nodes") || msg.failed["missing"] == nil {
		t.Errorf("failed = %v, want broken (listing nodes) and missing", msg.failed)
	}
	if msg.ranges["a"] == "" || msg.ranges["b"] == "" {
		t.Errorf("ranges = %v", msg.ranges)
	}
}

func TestTopologyFitsTheTerminal(t *testing.T) {
	cs := []kube.Context{
		{Name: "arn:aws:eks:eu-west-1:123456789012:cluster/production-mesh-east-with-a-very-long-name", Server: "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"},
		{Name: "gke_project-with-long-name_europe-west1-b_production-mesh-west"},
		{Name: "north"},
	}
	for _, size := range [][2]int{{80, 24}, {60, 20}, {120, 40}} {
		m := topologyOn(t, size[0], size[1], cs, nil)
		m = topologyRun(t, m, topologyKeys("down")...)
		seen := map[string]bool{}
		for range 20 {
			checkFits(t, m, size[0], size[1])
			seen[topologyPageOf(m)] = true
			if topologyScreen(m).page == 5 && topologyFocusedLabel(m) == "API server address" {
				break
			}
			m = topologyRun(t, m, topologyKeys("enter")...)
		}
		m = topologyRun(t, m, topologyClear()...)
		m = topologyRun(t, m, topologyPaste("NOT A URL")...)
		checkFits(t, m, size[0], size[1])
		if len(seen) != 6 {
			t.Errorf("%dx%d: pages seen %v, want 6", size[0], size[1], seen)
		}
		if size[0] == 80 {
			topologyWant(t, m, `API server address: "NOT A URL" is not an https:// URL`)
		}
		for _, l := range strings.Split(view(m), "\n") {
			if ansi.StringWidth(l) > size[0] {
				t.Errorf("line wider than %d: %q", size[0], l)
			}
		}
	}
}
