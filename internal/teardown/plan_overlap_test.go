package teardown

import (
	"testing"

	"github.com/meshwiz/meshwiz/internal/install"
)

// TestPurgeDeletesCRDsWhileTheNamespaceTerminates: with --purge-crds the
// CRD step runs beside the namespace deletion (the namespace controller
// alone waits 5 s before it starts), and the record follows both.
func TestPurgeDeletesCRDsWhileTheNamespaceTerminates(t *testing.T) {
	c := &Cluster{Context: "east", Name: "east", HasRecord: true, Objects: []Object{
		rel("istio-base", "base"), rel("istiod", "istiod"),
		{Category: CatNamespace, Kind: "Namespace", Name: install.Namespace, Action: Remove, Reason: ReasonRecord},
		{Category: CatCRD, Kind: "CustomResourceDefinition", Name: "gateways.networking.istio.io", Action: Remove},
	}}
	plan, err := Plan(fake(c))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	beside := map[string]bool{}
	for _, s := range plan {
		ids = append(ids, s.ID)
		beside[s.ID] = s.Beside
	}
	n := len(ids)
	if n < 3 || ids[n-3] != IDNamespace || ids[n-2] != IDCRDs || ids[n-1] != IDRecord {
		t.Fatalf("lane %v: want ... %s, %s, %s", ids, IDNamespace, IDCRDs, IDRecord)
	}
	if !beside[IDCRDs] || beside[IDNamespace] || beside[IDRecord] {
		t.Errorf("beside %v: only the CRD step runs beside the namespace deletion", beside)
	}
}
