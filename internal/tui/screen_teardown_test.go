package tui

import (
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/teardown"
)

// teardownScreenModel puts the root on the teardown screen of the teardown
// flow with east and west chosen; the discovery Cmd is not run.
func teardownScreenModel(t *testing.T) Model {
	t.Helper()
	m := sized(t, 80, 24)
	m = update(t, m, startFlowMsg{flow: flowTeardown})
	m = update(t, m, contextsChosenMsg{contexts: []kube.Context{{Name: "east"}, {Name: "west"}}},
		clientsReadyMsg{clients: map[string]*kube.Client{"east": {Context: "east"}, "west": {Context: "west"}}})
	if m.screen != screenTeardown {
		t.Fatalf("not on the teardown screen:\n%s", view(m))
	}
	return m
}

func teardownScreen(m Model) teardownModel { return m.screens[screenTeardown].(teardownModel) }

func TestTeardownPreviewConfirmAndDone(t *testing.T) {
	m := teardownScreenModel(t)
	if !strings.Contains(view(m), "Looking at 2 clusters") {
		t.Errorf("discovery not shown:\n%s", view(m))
	}
	inv := &teardown.Inventory{Clusters: []*teardown.Cluster{
		{Context: "east", Reachable: true, HasRecord: true, Objects: []teardown.Object{
			{Category: teardown.CatRelease, Kind: "Release", Namespace: "istio-system", Name: "istiod", Action: teardown.Remove, Reason: teardown.ReasonRecord},
			{Category: teardown.CatContent, Kind: "ConfigMap", Namespace: "istio-system", Name: "mine", Action: teardown.Keep, Reason: teardown.ReasonNotOurs},
		}},
		{Context: "west", Reachable: false, Error: "connection refused"},
	}}
	m = update(t, m, teardownFoundMsg{id: teardownScreen(m).id, inv: inv})
	v := view(m)
	for _, want := range []string{"Cluster east", "istiod", "mine", "not created by meshwiz", "west: not reached: connection refused", "enter remove", "space purge CRDs: off", "q quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("preview lacks %q:\n%s", want, v)
		}
	}
	m = update(t, m, press("enter"))
	if !strings.Contains(view(m), "Remove it from 1 cluster? y/n") {
		t.Errorf("no confirmation (only the reachable cluster counts):\n%s", view(m))
	}
	m = update(t, m, press("n"))
	if teardownScreen(m).phase != tdPreview {
		t.Errorf("n did not return to the preview")
	}
	// Toggling purge discovers again with PurgeCRDs.
	m, cmd := updateCmd(m, press("space"))
	if teardownScreen(m).phase != tdDiscovering || !teardownScreen(m).purge || cmd == nil {
		t.Errorf("space did not rediscover with purge on")
	}

	// A finished run with the cluster still unreached: not finished, says where.
	m = update(t, m, teardownFoundMsg{id: teardownScreen(m).id, inv: inv})
	tm := teardownScreen(m)
	tm.phase, tm.summary = tdVerifying, &steps.Summary{}
	m.screens[screenTeardown] = tm
	after := &teardown.Inventory{Clusters: []*teardown.Cluster{
		{Context: "east", Reachable: true},
		{Context: "west", Reachable: false, Error: "connection refused"},
	}}
	m = update(t, m, teardownFoundMsg{id: tm.id, after: true, inv: after})
	v = view(m)
	for _, want := range []string{"Teardown not finished", "west: not reached", "east: kept ConfigMap istio-system/mine", "r run teardown again"} {
		if !strings.Contains(v, want) {
			t.Errorf("done screen lacks %q:\n%s", want, v)
		}
	}
	checkFits(t, m, 80, 24)
}
