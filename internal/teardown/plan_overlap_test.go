package teardown

import (
	"context"
	"testing"
	"time"

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

// TestCRDsWaitForTheNamespaceDeletionToBeSent: the CRD step starts its
// deletes only once the namespace step has sent its own (or gave up), and
// an interrupted wait says so.
func TestCRDsWaitForTheNamespaceDeletionToBeSent(t *testing.T) {
	var nilSignal *signal
	nilSignal.fire()
	if err := nilSignal.wait(t.Context(), func(string) {}, ""); err != nil {
		t.Fatalf("a nil signal waits for nothing: %v", err)
	}
	s := newSignal()
	var said []string
	done := make(chan error, 1)
	go func() { done <- s.wait(t.Context(), func(d string) { said = append(said, d) }, "waiting") }()
	select {
	case err := <-done:
		t.Fatalf("wait returned before the signal fired: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	s.fire()
	s.fire() // twice is fine: the namespace step fires on send and on return
	if err := <-done; err != nil || len(said) != 1 {
		t.Fatalf("after fire: %v, progress %v", err, said)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := newSignal().wait(ctx, func(string) {}, "waiting"); err == nil {
		t.Fatal("a cancelled wait returned no error")
	}
}
