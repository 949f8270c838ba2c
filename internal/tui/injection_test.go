package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// injectionNS is a namespace with labels ("k=v").
func injectionNS(name string, labels ...string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		ns.Labels[k] = v
	}
	return ns
}

// injectionPod is a pod with containers by name; "+istio-proxy" makes
// istio-proxy a native sidecar (an init container).
func injectionPod(ns, name string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, c := range containers {
		if n, ok := strings.CutPrefix(c, "+"); ok {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: n})
			continue
		}
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c})
	}
	return p
}

// injectionEast is a cluster with system namespaces, one of its own that
// is labelled already and pods with and without sidecars.
func injectionEast() *kube.Client {
	return topologyFakeClient("east",
		injectionNS("kube-system"), injectionNS("istio-system"), injectionNS("kube-public"), injectionNS("kube-node-lease"),
		injectionNS("default"), injectionNS("shop"), injectionNS("pay", "istio-injection=enabled"),
		injectionPod("kube-system", "coredns", "coredns"),
		injectionPod("shop", "web-1", "web"), injectionPod("shop", "web-2", "web"), injectionPod("shop", "db", "db", "istio-proxy"),
		injectionPod("pay", "api", "api", "+istio-proxy"),
	)
}

// injectionBroken is a cluster whose namespaces cannot be listed.
func injectionBroken(name string) *kube.Client {
	c := topologyFakeClient(name)
	c.Kube.(interface {
		PrependReactor(verb, resource string, reaction k8stesting.ReactionFunc)
	}).PrependReactor("list", "namespaces", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	return c
}

// injectionOn returns a wizard on the injection screen with the clients,
// before the namespace lists arrive.
func injectionOn(t *testing.T, width, height int, contexts []kube.Context, clients map[string]*kube.Client) Model {
	t.Helper()
	m := update(t, topologySized(t, width, height, Options{}), contextsChosenMsg{contexts: contexts}, clientsReadyMsg{clients: clients})
	next, _ := m.move(3)
	m = next.(Model)
	if m.screen != screenInjection {
		t.Fatalf("not on the injection screen:\n%s", view(m))
	}
	return m
}

// injectionListed feeds every cluster's list, as the screen's Cmds make it.
func injectionListed(t *testing.T, m Model) Model {
	t.Helper()
	im := m.screens[screenInjection].(injectionModel)
	for _, c := range m.s.contexts {
		m = update(t, m, injectionList(context.Background(), im.gen, c.Name, m.s.clients[c.Name])())
	}
	return m
}

func TestInjectionListsNamespacesWithRestartCounts(t *testing.T) {
	m := injectionOn(t, 80, 24, []kube.Context{{Name: "east"}}, map[string]*kube.Client{"east": injectionEast()})
	topologyWant(t, m, "Sidecar injection", "east", "listing namespaces and pods…")
	if !m.screens[screenInjection].(injectionModel).loading() {
		t.Fatal("not loading before the lists arrive")
	}

	m = injectionListed(t, m)
	v := view(m)
	for _, ns := range []string{"kube-system", "istio-system", "kube-public", "kube-node-lease", "listing"} {
		if strings.Contains(v, ns) {
			t.Errorf("the screen shows %q:\n%s", ns, v)
		}
	}
	if row := line(m, "shop"); !strings.Contains(row, "[ ] shop") || !strings.Contains(row, "2 of 3 pods need a restart") {
		t.Errorf("shop row = %q, want 2 of 3 pods to restart", row)
	}
	if row := line(m, "pay"); !strings.Contains(row, "1 pod, all with a sidecar") || !strings.Contains(row, "enabled already") {
		t.Errorf("pay row = %q, want its native sidecar counted and its label", row)
	}
	if row := line(m, "default"); !strings.Contains(row, "no pods") || !strings.HasPrefix(strings.TrimSpace(row), "›") {
		t.Errorf("default row = %q, want the cursor and no pods", row)
	}
	topologyWant(t, m, "No namespace selected")

	// Toggle shop (default, pay, shop in name order) and default.
	m = update(t, m, press("down"), press("down"), press("space"))
	if got := m.s.cfg.Clusters[0].InjectNamespaces; !slices.Equal(got, []string{"shop"}) {
		t.Errorf("InjectNamespaces = %v, want [shop]", got)
	}
	m = update(t, m, press("up"), press("up"), press("space"))
	if got := m.s.cfg.Clusters[0].InjectNamespaces; !slices.Equal(got, []string{"default", "shop"}) {
		t.Errorf("InjectNamespaces = %v, want [default shop] in list order", got)
	}
	if row := line(m, "shop"); !strings.Contains(row, "[x] shop") {
		t.Errorf("shop row = %q, want it checked", row)
	}
	topologyWant(t, m, "2 namespaces in 1 cluster selected · 2 pods to restart after the install (kubectl rollout restart)")
	m = update(t, m, press("space"))
	if got := m.s.cfg.Clusters[0].InjectNamespaces; !slices.Equal(got, []string{"shop"}) {
		t.Errorf("space again: InjectNamespaces = %v, want [shop]", got)
	}
	k := m.screens[screenInjection].Keys()
	if !k.Toggle.Enabled() || !k.Next.Enabled() || !strings.Contains(view(m), "space select") {
		t.Errorf("the help does not offer toggling:\n%s", view(m))
	}

	m, cmd := updateCmd(m, press("enter"))
	if cmd == nil {
		t.Fatal("enter returned no Cmd")
	}
	if _, ok := cmd().(nextMsg); !ok {
		t.Errorf("enter sent %#v, want nextMsg", cmd())
	}
	if err := m.s.cfg.Validate(); err != nil {
		t.Errorf("the config is invalid: %v", err)
	}
}

func TestInjectionUnreachableClusterGoesOnWithoutInjection(t *testing.T) {
	cs := []kube.Context{{Name: "east"}, {Name: "west"}}
	m := injectionOn(t, 80, 24, cs, map[string]*kube.Client{"east": injectionEast(), "west": injectionBroken("west")})
	m.s.cfg.Clusters[1].InjectNamespaces = []string{"shop"} // chosen before it went away

	m, cmd := updateCmd(m, press("enter"))
	if msg, ok := cmd().(statusMsg); !ok || !strings.Contains(string(msg), "Still listing the namespaces of east, west") {
		t.Errorf("enter while listing sent %#v, want a status saying it waits", cmd())
	}
	m = injectionListed(t, m)
	topologyWant(t, m, GlyphFail+" listing namespaces:", "connection refused", "Going on leaves injection off in west; r lists again.")
	checkFits(t, m, 80, 24)

	m, cmd = updateCmd(m, press("enter"))
	if _, ok := cmd().(nextMsg); !ok {
		t.Fatalf("enter with an unreachable cluster sent %#v, want nextMsg", cmd())
	}
	if got := m.s.cfg.Clusters[1].InjectNamespaces; got != nil {
		t.Errorf("west keeps injection %v though it could not be listed", got)
	}

	// r lists again: a new round, the old answers are stale.
	im := m.screens[screenInjection].(injectionModel)
	m, cmd = updateCmd(m, press("r"))
	if cmd == nil || m.screens[screenInjection].(injectionModel).gen == im.gen {
		t.Fatal("r did not list again")
	}
	m = update(t, m, injectionListedMsg{gen: im.gen, context: "west"})
	topologyWant(t, m, "listing namespaces and pods…")
}

func TestInjectionKeepsTheChoiceBackAndForth(t *testing.T) {
	m := injectionOn(t, 80, 24, []kube.Context{{Name: "east"}}, map[string]*kube.Client{"east": injectionEast()})
	m = injectionListed(t, m)
	m = update(t, m, press("down"), press("space"))
	m = update(t, m, backMsg{})
	if m.screen != screenSecurity {
		t.Fatalf("back went to %s", screenNames[m.screen])
	}
	m = update(t, m, nextMsg{})
	if row := line(m, "pay"); !strings.Contains(row, "[x] pay") {
		t.Errorf("coming back lost the choice: %q\n%s", row, view(m))
	}
	if got := m.s.cfg.Clusters[0].InjectNamespaces; !slices.Equal(got, []string{"pay"}) {
		t.Errorf("InjectNamespaces = %v", got)
	}
}

func TestInjectionDropsNamespacesThatAreGone(t *testing.T) {
	m := injectionOn(t, 80, 24, []kube.Context{{Name: "east"}}, map[string]*kube.Client{"east": injectionEast()})
	m.s.cfg.Clusters[0].InjectNamespaces = []string{"gone", "shop"}
	m = injectionListed(t, m)
	if got := m.s.cfg.Clusters[0].InjectNamespaces; !slices.Equal(got, []string{"shop"}) {
		t.Errorf("InjectNamespaces = %v, want [shop]", got)
	}
}

func TestInjectionScrollsAndFits(t *testing.T) {
	var objs []runtime.Object
	for i := range 30 {
		ns := fmt.Sprintf("team-%02d-with-a-rather-long-namespace-name", i)
		objs = append(objs, injectionNS(ns), injectionPod(ns, "p", "app"))
	}
	cs := []kube.Context{{Name: "arn:aws:eks:eu-west-1:123456789012:cluster/production-mesh-east"}, {Name: "west"}}
	clients := map[string]*kube.Client{cs[0].Name: topologyFakeClient(cs[0].Name, objs...), "west": injectionBroken("west")}
	for _, size := range [][2]int{{80, 24}, {60, 16}} {
		m := injectionOn(t, size[0], size[1], cs, clients)
		checkFits(t, m, size[0], size[1])
		m = injectionListed(t, m)
		for i := range 30 {
			checkFits(t, m, size[0], size[1])
			row := line(m, fmt.Sprintf("team-%02d", i))
			if !strings.HasPrefix(strings.TrimSpace(row), "›") {
				t.Fatalf("%dx%d: the cursor row %d is not drawn:\n%s", size[0], size[1], i, view(m))
			}
			m = update(t, m, press("space"), press("down"))
		}
		checkFits(t, m, size[0], size[1])
		if n := len(m.s.cfg.Clusters[0].InjectNamespaces); n != 30 {
			t.Errorf("%d namespaces chosen, want 30", n)
		}
	}
}

func TestInjectionNamespacesCountsPages(t *testing.T) {
	var objs []runtime.Object
	objs = append(objs, injectionNS("big"))
	for i := range 1200 {
		objs = append(objs, injectionPod("big", fmt.Sprintf("p%d", i), "app"))
	}
	got, err := injectionNamespaces(context.Background(), topologyFakeClient("c", objs...))
	if err != nil || len(got) != 1 || got[0].pods != 1200 || got[0].restart != 1200 {
		t.Errorf("namespaces = %+v, %v; want big with 1200 pods to restart", got, err)
	}
	if _, err := injectionNamespaces(context.Background(), injectionBroken("b")); err == nil || !strings.Contains(err.Error(), `context "b"`) {
		t.Errorf("a failed list: %v, want an error naming the context", err)
	}
}

func TestInjectionEnterWhileListingGoesOnWhenDone(t *testing.T) {
	m := sized(t, 80, 24)
	m = update(t, m, contextsChosenMsg{contexts: []kube.Context{{Name: "east"}}}, clientsReadyMsg{clients: map[string]*kube.Client{}})
	for m.screen != screenInjection {
		m = update(t, m, nextMsg{})
	}
	im := m.screens[screenInjection].(injectionModel)
	m, cmd := updateCmd(m, press("enter"))
	if m.screen != screenInjection || cmd == nil || !strings.Contains(fmt.Sprint(cmd()), "goes on when it is done") {
		t.Fatalf("enter while listing should wait and say so")
	}
	done := injectionListedMsg{gen: im.gen, context: "east"}
	m, cmd = updateCmd(m, done)
	if cmd == nil {
		t.Fatal("the list arrived but the wizard did not go on")
	}
	if _, ok := cmd().(nextMsg); !ok {
		t.Errorf("the list arrived: %T, want nextMsg", cmd())
	}

	// Left with esc while listing: a late list must not move the wizard.
	m = update(t, sized(t, 80, 24), contextsChosenMsg{contexts: []kube.Context{{Name: "east"}}}, clientsReadyMsg{clients: map[string]*kube.Client{}})
	for m.screen != screenInjection {
		m = update(t, m, nextMsg{})
	}
	im = m.screens[screenInjection].(injectionModel)
	m = update(t, m, press("enter"), press("esc"))
	if _, cmd = updateCmd(m, injectionListedMsg{gen: im.gen, context: "east"}); cmd != nil {
		if _, ok := cmd().(nextMsg); ok {
			t.Error("a list that arrived after esc moved the wizard on")
		}
	}
}
