package teardown

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
)

// Category groups the objects teardown finds; each category is removed by
// one step.
type Category string

// Categories, in the order their steps run.
const (
	CatRemoteSecret Category = "remote-secret"     // Secrets istio/multiCluster=true
	CatExposure     Category = "exposure"          // Gateway, VirtualService, PeerAuthentication in istio-system
	CatRecorded     Category = "recorded"          // other objects the record lists or the managed-by label marks
	CatRelease      Category = "release"           // Helm releases in istio-system
	CatWebhook      Category = "webhook"           // Istio's webhook configurations
	CatRuntime      Category = "istiod-runtime"    // what istiod wrote: istio-ca-root-cert, istio-ca-secret, leader locks
	CatReader       Category = "reader"            // reader ServiceAccount, ClusterRole(Binding), token
	CatCACerts      Category = "cacerts"           // istio-system/cacerts
	CatLabels       Category = "labels"            // injection and topology labels on namespaces
	CatNamespace    Category = "namespace"         // istio-system itself
	CatContent      Category = "namespace-content" // other objects in istio-system
	CatCRD          Category = "crd"               // *.istio.io CRDs
	CatRecord       Category = "record"            // meshwiz's record
)

// Action is what teardown does with an object.
type Action string

// Actions.
const (
	Remove Action = "remove"
	Keep   Action = "keep"
)

// Reasons shared by many objects.
const (
	ReasonRecord    = "in meshwiz's record"
	ReasonLabel     = "labelled app.kubernetes.io/managed-by=meshwiz"
	ReasonIncluded  = "named by --include"
	ReasonNotOurs   = "not created by meshwiz"
	ReasonPurgeCRDs = "CRDs hold user configuration: --purge-crds deletes them"
)

// Object is one thing teardown found in a cluster.
type Object struct {
	Category   Category `json:"category"`
	Kind       string   `json:"kind"`
	APIVersion string   `json:"apiVersion,omitempty"`
	Namespace  string   `json:"namespace,omitempty"`
	Name       string   `json:"name"`
	Action     Action   `json:"action"`
	// Reason says why the object is removed or kept.
	Reason string `json:"reason"`
	// Detail describes it: a release's chart and status, a remote secret's
	// target, a webhook's services, the labels that go.
	Detail string `json:"detail,omitempty"`
	// Labels and Annotations are, for CatLabels (and a kept istio-system),
	// the keys teardown removes from the namespace.
	Labels      []string `json:"labels,omitempty"`
	Annotations []string `json:"annotations,omitempty"`
	// CustomResources is, for a CRD, how many objects of it exist.
	CustomResources int `json:"customResources,omitempty"`
	// Chart is, for a release, the chart's name (base, istiod, gateway).
	Chart string `json:"chart,omitempty"`
	// PointsAt is, for a remote secret, the cluster whose API it opens.
	PointsAt string `json:"pointsAt,omitempty"`

	gvr schema.GroupVersionResource
}

// Ref is "Kind namespace/name" (or "Kind name").
func (o Object) Ref() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Pointer is a remote secret in one cluster that opens another's API.
type Pointer struct {
	Cluster   string `json:"cluster"` // kube context holding the secret
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Action    Action `json:"action"`
}

// Sidecars counts the pods of one namespace that still run an Istio sidecar.
type Sidecars struct {
	Namespace string   `json:"namespace"`
	Pods      int      `json:"pods"`
	Examples  []string `json:"examples,omitempty"`
}

// Cluster is what teardown found in one cluster.
type Cluster struct {
	Context string `json:"context"`
	Server  string `json:"server,omitempty"`
	// Name is the mesh cluster name (from the record or istiod's values).
	Name   string `json:"name,omitempty"`
	MeshID string `json:"meshID,omitempty"`
	// Reachable is false when the cluster did not answer or discovery
	// failed; Error and Reason say why, and nothing else is filled in.
	Reachable bool        `json:"reachable"`
	Error     string      `json:"error,omitempty"`
	Reason    kube.Reason `json:"reason,omitempty"`
	Hint      string      `json:"hint,omitempty"`
	// HasRecord reports whether meshwiz's record exists here.
	HasRecord bool     `json:"hasRecord"`
	Objects   []Object `json:"objects"`
	// Blockers are objects in istio-system that keep the namespace.
	Blockers []Object   `json:"blockers,omitempty"`
	Sidecars []Sidecars `json:"sidecars,omitempty"`
	// PointedAtBy are remote secrets in the other selected clusters that
	// open this cluster's API.
	PointedAtBy []Pointer `json:"pointedAtBy,omitempty"`
	// ControlPlane is, on a remote, the primary whose istiod controls it.
	ControlPlane string `json:"controlPlane,omitempty"`
	// ServesRemotes reports an istiod that also serves remote clusters.
	ServesRemotes bool `json:"servesRemotes,omitempty"`
	// StrictMTLS reports a mesh-wide STRICT PeerAuthentication.
	StrictMTLS bool `json:"strictMTLS,omitempty"`
	// ForeignIstiod names istiod Deployments meshwiz did not install.
	ForeignIstiod []string `json:"foreignIstiod,omitempty"`

	client *kube.Client
	owner  *owner
}

// Inventory is what Discover found in every selected cluster.
type Inventory struct {
	Clusters  []*Cluster `json:"clusters"`
	PurgeCRDs bool       `json:"purgeCRDs"`
	// UnmatchedIncludes are includes that named nothing in any cluster.
	UnmatchedIncludes []string `json:"unmatchedIncludes,omitempty"`

	opts Options
}

// Cluster returns the cluster of a kube context, or nil.
func (inv *Inventory) Cluster(context string) *Cluster {
	for _, c := range inv.Clusters {
		if c.Context == context {
			return c
		}
	}
	return nil
}

// Removes returns the objects of a category that teardown removes.
func (c *Cluster) Removes(cat Category) []Object {
	var out []Object
	for _, o := range c.Objects {
		if o.Category == cat && o.Action == Remove {
			out = append(out, o)
		}
	}
	return out
}

// Kept returns the objects teardown leaves in place.
func (c *Cluster) Kept() []Object {
	var out []Object
	for _, o := range c.Objects {
		if o.Action == Keep {
			out = append(out, o)
		}
	}
	return out
}

// NothingLeft reports a reachable cluster where teardown has nothing to
// remove (what it keeps may remain).
func (c *Cluster) NothingLeft() bool {
	return c.Reachable && !slices.ContainsFunc(c.Objects, Object.work)
}

// work reports whether teardown changes the object: removes it, or strips
// meshwiz's labels from an istio-system that stays.
func (o Object) work() bool {
	return o.Action == Remove || (o.Category == CatNamespace && len(o.Labels)+len(o.Annotations) > 0)
}

// Find returns the object of kind namespace/name, if found.
func (c *Cluster) Find(kind, namespace, name string) (Object, bool) {
	for _, o := range c.Objects {
		if o.Kind == kind && o.Namespace == namespace && o.Name == name {
			return o, true
		}
	}
	return Object{}, false
}

// NothingToDo reports that no reachable cluster holds anything to remove.
func (inv *Inventory) NothingToDo() bool {
	for _, c := range inv.Clusters {
		if c.Reachable && !c.NothingLeft() {
			return false
		}
	}
	return true
}

// Unreachable returns the clusters discovery could not read.
func (inv *Inventory) Unreachable() []*Cluster {
	var out []*Cluster
	for _, c := range inv.Clusters {
		if !c.Reachable {
			out = append(out, c)
		}
	}
	return out
}

// label names a cluster for people: its context, and its mesh name if other.
func (c *Cluster) label() string {
	if c.Name != "" && c.Name != c.Context {
		return fmt.Sprintf("%s (cluster %s)", c.Context, c.Name)
	}
	return c.Context
}

// meshName is the name other clusters' remote secrets use for this one.
func (c *Cluster) meshName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Context
}

// recordObjects lists the record's entries (nil without a record).
func recordObjects(rec *install.Record) []install.Object {
	if rec == nil {
		return nil
	}
	return rec.Objects
}
