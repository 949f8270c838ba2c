package steps

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/golden"
)

type grid []string

func (g grid) Lines() []string { return g }

// fixedSummary is a run with every status, with fixed durations.
func fixedSummary() Summary {
	return Summary{Duration: 1234 * time.Millisecond, Steps: []Event{
		{Step: Ref{"cluster/api-reachable", "east"}, Title: "API server answers", Severity: Fatal, Status: Passed, Message: "Kubernetes v1.34.4", Took: 12 * time.Millisecond},
		{Step: Ref{"cluster/rbac", "east"}, Title: "credentials may create everything", Severity: Error, Status: Failed, Message: "2 of 17 permissions missing", Hint: "use cluster-admin", Took: 30 * time.Millisecond, Err: errors.New("x")},
		{Step: Ref{"cluster/api-reachable", "west"}, Title: "API server answers", Severity: Fatal, Status: Passed, Message: "Kubernetes v1.34.4"},
		{Step: Ref{"cluster/node-pod-cidrs", "west"}, Title: "nodes carry pod CIDRs", Severity: Warning, Status: Warned, Message: "1 of 2 nodes has none", Hint: "check the CNI"},
		{Step: Ref{"cluster/existing-ca", "west"}, Title: "existing mesh CA", Severity: Info, Status: Noted, Message: "found cacerts"},
		{Step: Ref{ID: "mesh/pod-cidr-overlap"}, Title: "pod CIDRs do not overlap", Severity: Fatal, Status: Failed, Message: "east pods and west pods share 10.244.0.0-10.244.0.255", Hint: "re-address", Details: grid{"        east     west", "east    -        OVERLAP", "west    OVERLAP  -"}},
		{Step: Ref{ID: "mesh/trust-roots"}, Title: "roots agree", Severity: Error, Status: Skipped, Message: "no cacerts"},
	}}
}

func TestTextReportGolden(t *testing.T) {
	var b bytes.Buffer
	if err := (TextReport{}).Render(&b, fixedSummary()); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("\x1b[")) {
		t.Error("colour codes without Color")
	}
	golden.Check(t, "report.txt.golden", b.Bytes())
}

func TestTextReportColor(t *testing.T) {
	var b bytes.Buffer
	if err := (TextReport{Color: true}).Render(&b, fixedSummary()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte(ansiRed+"✗"+ansiReset)) {
		t.Errorf("no red failure mark:\n%q", b.String())
	}
}

func TestJSONReportGolden(t *testing.T) {
	var b bytes.Buffer
	if err := RenderJSON(&b, fixedSummary()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int `json:"schemaVersion"`
		Results       []struct {
			ID, Cluster, Status, Severity string
		} `json:"results"`
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if doc.SchemaVersion != 1 || len(doc.Results) != 7 || doc.Summary["failed"] != 2 || doc.Results[1].Severity != "error" {
		t.Errorf("unexpected document: %+v", doc)
	}
	golden.Check(t, "report.json.golden", b.Bytes())
}
