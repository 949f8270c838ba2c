package teardown

import (
	"bytes"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/golden"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// What varies from run to run in a teardown document: durations and the
// loopback ports of the bed's API servers.
var (
	durationField = regexp.MustCompile(`"(durationMs|tookMs)": \d+`)
	loopbackPort  = regexp.MustCompile(`(127\.0\.0\.1|localhost):\d+`)
)

// normalised is a rendered document with durations and ports fixed, so that
// a document of a real run compares with a golden file.
func normalised(doc []byte) []byte {
	doc = durationField.ReplaceAll(doc, []byte(`"$1": 0`))
	return loopbackPort.ReplaceAll(doc, []byte("$1:PORT"))
}

// documentGolden compares doc, rendered and normalised, with
// testdata/name.
func documentGolden(t *testing.T, name string, doc Document) {
	t.Helper()
	var b bytes.Buffer
	if err := doc.Render(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, name, normalised(b.Bytes()))
}

// TestDocumentGolden pins the shape of `meshwiz teardown -o json`
// (Document, schema version 1): a primary with every kind of object, a
// remote secret pointing at it from a peer, sidecars and a blocker that
// keeps istio-system; a remote; a cluster not reached; a run with each
// status; what was left behind.
func TestDocumentGolden(t *testing.T) {
	hub := &Cluster{Context: "hub", Server: "https://127.0.0.1:40123", Name: "hub", MeshID: "mesh1", HasRecord: true,
		ServesRemotes: true, StrictMTLS: true,
		Objects: []Object{
			rel(install.ReleaseIstiod, "istiod"), rel(install.ReleaseBase, "base"), remoteSecret("spoke"),
			{Category: CatExposure, Kind: "Gateway", APIVersion: "networking.istio.io/v1", Namespace: install.Namespace, Name: "istiod-gateway", Action: Remove, Reason: ReasonRecord},
			{Category: CatWebhook, Kind: "MutatingWebhookConfiguration", Name: "istio-sidecar-injector", Action: Remove, Reason: "Istio's (istiod of istio-system)", Detail: "calls istio-system/istiod"},
			{Category: CatCACerts, Kind: "Secret", Namespace: install.Namespace, Name: install.CACertsSecret, Action: Remove, Reason: ReasonRecord},
			{Category: CatLabels, Kind: "Namespace", Name: "shop", Action: Remove, Reason: ReasonRecord, Labels: []string{install.InjectionLabel}},
			{Category: CatNamespace, Kind: "Namespace", Name: install.Namespace, Action: Keep, Reason: "holds objects meshwiz did not create: ConfigMap user-config",
				Labels: []string{install.ManagedByLabel, install.NetworkLabel}},
			{Category: CatCRD, Kind: "CustomResourceDefinition", Name: "gateways.networking.istio.io", CustomResources: 2, Action: Keep, Reason: ReasonPurgeCRDs},
			{Category: CatRecord, Kind: "ConfigMap", Namespace: install.Namespace, Name: install.RecordName, Action: Remove, Reason: "meshwiz's record"},
		},
		Blockers:    []Object{{Category: CatContent, Kind: "ConfigMap", Namespace: install.Namespace, Name: "user-config", Action: Keep, Reason: ReasonNotOurs}},
		Sidecars:    []Sidecars{{Namespace: "shop", Pods: 2, Examples: []string{"web-1", "web-2"}}},
		PointedAtBy: []Pointer{{Cluster: "west", Namespace: install.Namespace, Name: mesh.RemoteSecretName("hub"), Action: Keep}},
	}
	spoke := &Cluster{Context: "spoke", Server: "https://localhost:40124", Name: "spoke", MeshID: "mesh1", HasRecord: true, ControlPlane: "hub",
		Objects: []Object{rel(install.ReleaseIstiod, "istiod"), {Category: CatReader, Kind: "Secret", Namespace: install.Namespace, Name: install.ReaderToken, Action: Remove, Reason: ReasonRecord}}}
	down := &Cluster{Context: "down", Server: "https://127.0.0.1:1", Error: `context "down": connection refused`, Reason: "connection-refused", Hint: "check that the cluster is running"}
	before := fake(hub, spoke, down)
	before.UnmatchedIncludes = []string{"configmap/nope"}

	sum := steps.Summary{Duration: 4321 * time.Millisecond, Steps: []steps.Event{
		{Step: steps.Ref{ID: IDRemoteSecrets, Cluster: "hub"}, Title: "remote secrets are removed", Severity: steps.Fatal, Status: steps.Passed, Message: "removed 1", Took: 12 * time.Millisecond},
		{Step: steps.Ref{ID: IDIstiod, Cluster: "spoke"}, Title: "istiod is uninstalled", Severity: steps.Fatal, Status: steps.Failed, Message: "uninstall timed out", Hint: "run teardown again", Took: 3 * time.Second, Err: errors.New("x")},
		{Step: steps.Ref{ID: IDNamespace, Cluster: "hub"}, Title: "istio-system is deleted", Severity: steps.Fatal, Status: steps.Skipped, Message: "kept: it holds objects meshwiz did not create"},
	}}
	after := fake(
		&Cluster{Context: "hub", Name: "hub", Objects: []Object{{Category: CatNamespace, Kind: "Namespace", Name: install.Namespace, Action: Keep, Reason: ReasonNotOurs}},
			Blockers: []Object{{Category: CatContent, Kind: "ConfigMap", Namespace: install.Namespace, Name: "user-config", Action: Keep, Reason: ReasonNotOurs}}},
		&Cluster{Context: "spoke", Name: "spoke", HasRecord: true, Objects: []Object{rel(install.ReleaseIstiod, "istiod")}},
		&Cluster{Context: "down", Error: `context "down": connection refused`})

	documentGolden(t, "document.json.golden", NewDocument(before, &sum, after, ResultFailed))
	// Nothing to do: no run, an empty preview and nothing left behind.
	documentGolden(t, "document-nothing-to-do.json.golden",
		NewDocument(fake(&Cluster{Context: "empty", Server: "https://127.0.0.1:40125"}), nil, nil, ResultNothingToDo))
}
