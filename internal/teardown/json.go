package teardown

import (
	"encoding/json"
	"io"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// SchemaVersion is the version of Document; it changes only when a field
// changes meaning or disappears.
const SchemaVersion = 1

// Results of a teardown, for Document.Result.
const (
	ResultDone        = "done"          // every step passed; only kept objects remain
	ResultNothingToDo = "nothing-to-do" // no selected cluster held anything of the mesh
	ResultDryRun      = "dry-run"       // nothing was changed
	ResultFailed      = "failed"        // a step failed or a cluster was not reached: run again
	ResultAborted     = "aborted"       // interrupted: run again to finish
)

// Document is the JSON form of a teardown (`meshwiz teardown -o json`),
// schema version 1:
//
//	{
//	  "schemaVersion": 1,
//	  "result": "done|nothing-to-do|dry-run|failed|aborted",
//	  "purgeCRDs": false,
//	  "clusters": [{                     // the inventory, before anything changed
//	    "context": "east", "server": "https://…", "name": "east", "meshID": "mesh1",
//	    "reachable": true, "error": "…", "reason": "connection-refused", "hint": "…",
//	    "hasRecord": true,
//	    "objects": [{"category": "release", "kind": "Release", "apiVersion": "helm.sh/v3",
//	                 "namespace": "istio-system", "name": "istiod", "action": "remove|keep",
//	                 "reason": "in meshwiz's record", "detail": "chart istiod 1.31.1, revision 1, deployed",
//	                 "labels": [], "annotations": [], "customResources": 0, "chart": "istiod", "pointsAt": ""}],
//	    "blockers": [ /* objects that keep istio-system */ ],
//	    "sidecars": [{"namespace": "app", "pods": 2, "examples": ["web-1"]}],
//	    "pointedAtBy": [{"cluster": "west", "namespace": "istio-system", "name": "istio-remote-secret-east", "action": "remove"}],
//	    "controlPlane": "hub", "servesRemotes": false, "strictMTLS": false, "foreignIstiod": []
//	  }],
//	  "unmatchedIncludes": ["configmap/nope"],
//	  "preview": [{"kind": "sidecars|remote-control-plane|peer-reads-removed-cluster|custom-resources",
//	               "cluster": "spoke", "namespace": "", "message": "…"}],
//	  "run": { /* the steps report: schemaVersion, results[], summary, durationMs (absent when nothing ran) */ },
//	  "leftBehind": [{"cluster": "east", "state": "kept|still-there|not-reached",
//	                  "object": "ConfigMap istio-system/user-config", "reason": "not created by meshwiz"}]
//	}
//
// Object categories are the Category constants; secret data is never part
// of the document.
type Document struct {
	SchemaVersion     int               `json:"schemaVersion"`
	Result            string            `json:"result"`
	PurgeCRDs         bool              `json:"purgeCRDs"`
	Clusters          []*Cluster        `json:"clusters"`
	UnmatchedIncludes []string          `json:"unmatchedIncludes,omitempty"`
	Preview           []Break           `json:"preview"`
	Run               *steps.JSONReport `json:"run,omitempty"`
	LeftBehind        []Leftover        `json:"leftBehind"`
}

// NewDocument builds the JSON document from the inventory taken before the
// run, the run's summary (nil when nothing ran) and the inventory taken
// after it (nil: the kept objects and unreachable clusters of before).
func NewDocument(before *Inventory, sum *steps.Summary, after *Inventory, result string) Document {
	doc := Document{SchemaVersion: SchemaVersion, Result: result, PurgeCRDs: before.PurgeCRDs, Clusters: before.Clusters,
		UnmatchedIncludes: before.UnmatchedIncludes, Preview: before.Preview(), LeftBehind: []Leftover{}}
	if doc.Preview == nil {
		doc.Preview = []Break{}
	}
	for _, c := range doc.Clusters {
		if c.Objects == nil {
			c.Objects = []Object{}
		}
	}
	if sum != nil {
		rep := steps.NewJSONReport(*sum)
		doc.Run = &rep
	}
	if left := LeftBehind(before, after); left != nil {
		doc.LeftBehind = left
	}
	return doc
}

// Render writes the document as indented JSON.
func (d Document) Render(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
