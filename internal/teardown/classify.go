package teardown

import (
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/install"
)

// owner decides, for one cluster, whether meshwiz created an object: it
// knows the cluster's record, the Helm releases meshwiz installed there and
// the user's includes.
type owner struct {
	record   *install.Record
	entries  map[string][]install.Object // by kind/namespace/name
	releases map[string]bool             // meshwiz's releases in istio-system
	existing map[string]bool             // every release in istio-system
	includes []Include
	matched  []bool // per include: named something in this cluster
}

func objKey(kind, ns, name string) string { return strings.ToLower(kind) + "/" + ns + "/" + name }

func newOwner(rec *install.Record, includes []Include) *owner {
	o := &owner{record: rec, entries: map[string][]install.Object{}, releases: map[string]bool{}, existing: map[string]bool{},
		includes: includes, matched: make([]bool, len(includes))}
	for _, e := range recordObjects(rec) {
		k := objKey(e.Kind, e.Namespace, e.Name)
		o.entries[k] = append(o.entries[k], e)
		if e.Change == "helm-release" && e.Namespace == install.Namespace {
			o.releases[e.Name] = true
		}
	}
	return o
}

// recorded returns the record's entry for an object with that change
// ("created", "helm-release", "labelled"), if any.
func (o *owner) recorded(kind, ns, name, change string) (install.Object, bool) {
	for _, e := range o.entries[objKey(kind, ns, name)] {
		if e.Change == change {
			return e, true
		}
	}
	return install.Object{}, false
}

// included reports whether the user named the object (and notes it).
func (o *owner) included(kind, ns, name string) bool {
	hit := false
	for i, in := range o.includes {
		if in.matches(kind, ns, name) {
			o.matched[i], hit = true, true
		}
	}
	return hit
}

// helmRelease returns the release an object belongs to by Helm's ownership
// annotations, when that release lives in istio-system.
func helmRelease(annotations map[string]string) string {
	if annotations[helmNamespaceAnno] != install.Namespace {
		return ""
	}
	return annotations[helmReleaseAnno]
}

// classify decides the fate of one object: removed when the user named it,
// the record lists it as created, it carries meshwiz's managed-by label, or
// it belongs to one of meshwiz's Helm releases; kept otherwise.
func (o *owner) classify(kind, ns, name string, labels, annotations map[string]string) (Action, string) {
	if o.included(kind, ns, name) {
		return Remove, ReasonIncluded
	}
	if _, ok := o.recorded(kind, ns, name, "created"); ok {
		return Remove, ReasonRecord
	}
	if labels[install.ManagedByLabel] == install.ManagedByValue {
		return Remove, ReasonLabel
	}
	if rel := helmRelease(annotations); rel != "" {
		if o.releases[rel] {
			return Remove, fmt.Sprintf("part of meshwiz's Helm release %s", rel)
		}
		return Keep, fmt.Sprintf("part of Helm release %s, which meshwiz did not install", rel)
	}
	return Keep, ReasonNotOurs
}

// set fills an object's action and reason from classify.
func (o *owner) set(obj *Object, labels, annotations map[string]string) {
	obj.Action, obj.Reason = o.classify(obj.Kind, obj.Namespace, obj.Name, labels, annotations)
}

// hasIstio reports whether meshwiz installed (or began to install) istiod
// or istio-base here, which makes it the owner of Istio's leftovers in
// istio-system.
func (o *owner) hasIstio() bool {
	return o.releases[install.ReleaseIstiod] || o.releases[install.ReleaseBase]
}

// labelKeys parses a record Detail such as
// "topology.istio.io/network=net-east, topology.istio.io/controlPlaneClusters=hub"
// into key → value.
func labelKeys(detail string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(detail, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k != "" {
			out[k] = v
		}
	}
	return out
}
