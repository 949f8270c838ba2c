package teardown

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
)

// istioSystem decides the fate of istio-system: deleted only when meshwiz
// created it (or the user named it) and nothing but meshwiz's, Helm's,
// istiod's and Kubernetes' default objects are left in it.
func (s *scan) istioSystem(ctx context.Context) error {
	if s.nsObj == nil {
		return nil
	}
	created, included := s.nsCreated(), s.own.included("Namespace", "", install.Namespace)
	if !created && !included && !s.own.hasIstio() {
		s.add(Object{Category: CatNamespace, Kind: "Namespace", APIVersion: "v1", Name: install.Namespace, Action: Keep,
			Reason: ReasonNotOurs, gvr: gvrNamespace})
		return nil
	}
	removed := map[string]bool{}
	for _, o := range s.cl.Objects {
		if o.Action == Remove {
			removed[objKey(o.Kind, o.Namespace, o.Name)] = true
		}
	}
	blockers, incl, runtime, err := scanContent(ctx, s.c, s.meta, s.own, func(kind, name string) bool {
		return removed[objKey(kind, install.Namespace, name)]
	})
	if err != nil {
		return err
	}
	s.cl.Objects = append(s.cl.Objects, runtime...)
	s.cl.Objects = append(s.cl.Objects, incl...)
	o := Object{Category: CatNamespace, Kind: "Namespace", APIVersion: "v1", Name: install.Namespace, gvr: gvrNamespace}
	if s.nsObj.DeletionTimestamp != nil {
		o.Detail = "terminating"
	}
	switch {
	case included:
		o.Action, o.Reason = Remove, ReasonIncluded
		if len(blockers) > 0 {
			o.Detail = "deleting it also deletes " + refs(blockers, 5)
		}
	case !created:
		o.Action, o.Reason = Keep, ReasonNotOurs+" (only the labels meshwiz added go)"
	case len(blockers) > 0:
		s.cl.Blockers = blockers
		o.Action, o.Reason = Keep, "holds objects meshwiz did not create: "+refs(blockers, 5)
		o.Labels, o.Annotations = s.ownNamespaceKeys()
	default:
		_, rec := s.own.recorded("Namespace", "", install.Namespace, "created")
		o.Action, o.Reason = Remove, ReasonLabel
		if rec {
			o.Reason = ReasonRecord
		}
		o.Detail = "meshwiz created it and nothing else is left in it"
	}
	s.add(o)
	return nil
}

// ownNamespaceKeys are the labels and annotations meshwiz set on the
// istio-system it created, removed when the namespace has to stay.
func (s *scan) ownNamespaceKeys() (labels, annotations []string) {
	labels = []string{install.ManagedByLabel}
	if _, ok := s.nsObj.Labels[install.NetworkLabel]; ok {
		labels = append(labels, install.NetworkLabel)
	}
	if _, ok := s.nsObj.Annotations[install.ControlPlaneAnno]; ok {
		annotations = append(annotations, install.ControlPlaneAnno)
	}
	return labels, annotations
}

// refs lists objects for a message, at most max of them.
func refs(objs []Object, max int) string {
	var parts []string
	for i, o := range objs {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(objs)-max))
			break
		}
		parts = append(parts, o.Kind+" "+o.Name)
	}
	return strings.Join(parts, ", ")
}

// skippedResources are namespaced resources whose objects never keep a
// namespace: derived from others, or records of what happened.
var skippedResources = map[string]bool{"events": true, "endpoints": true, "endpointslices": true, "bindings": true,
	"componentstatuses": true} // deprecated, cluster-scoped status, and the apiserver warns about it

// scanContent lists everything in istio-system and sorts it into blockers
// (objects meshwiz did not create), objects the user included, and istiod's
// runtime objects (leader-election locks, the CA's CRL). Objects owned by others,
// Kubernetes' defaults, meshwiz's and its releases' objects, and those
// gone(kind, name) reports as removed by teardown are passed over.
func scanContent(ctx context.Context, c *kube.Client, meta metadata.Interface, own *owner, gone func(kind, name string) bool) (blockers, included, runtime []Object, err error) {
	lists, err := discovery.ServerPreferredNamespacedResources(c.Discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, nil, nil, &kube.ContextError{Context: c.Context, Server: c.Server, Op: "discovering namespaced resources", Err: err}
	}
	for _, l := range listAll(ctx, meta, lists, install.Namespace, metav1.ListOptions{}, nil) {
		if l.err != nil {
			if ctx.Err() != nil {
				return nil, nil, nil, ctx.Err()
			}
			continue // a resource that cannot be listed (e.g. an aggregated API that is down)
		}
		for _, m := range l.items {
			r := l.resource
			o := Object{Category: CatContent, Kind: r.Kind, APIVersion: l.groupVersion, Namespace: m.Namespace, Name: m.Name, gvr: l.gvr}
			switch fate := contentFate(own, r.Kind, &m.ObjectMeta, gone); fate {
			case "":
			case "included":
				o.Action, o.Reason = Remove, ReasonIncluded
				included = append(included, o)
			case "runtime":
				o.Category, o.Action, o.Reason, o.Detail = CatRuntime, Remove, "written by the istiod meshwiz installed", "written by istiod at run time"
				runtime = append(runtime, o)
			default:
				o.Action, o.Reason = Keep, fate
				blockers = append(blockers, o)
			}
		}
	}
	return blockers, included, runtime, nil
}

// contentFate sorts one object of istio-system: "" (passed over),
// "included", "runtime", or the reason it keeps the namespace.
func contentFate(own *owner, kind string, m *metav1.ObjectMeta, gone func(kind, name string) bool) string {
	switch {
	case len(m.OwnerReferences) > 0 || m.DeletionTimestamp != nil:
		return ""
	case kind == "ServiceAccount" && m.Name == "default", kind == "ConfigMap" && m.Name == "kube-root-ca.crt",
		kind == "ConfigMap" && m.Name == install.RecordName:
		return ""
	case gone(kind, m.Name):
		return ""
	case own.included(kind, m.Namespace, m.Name):
		return "included"
	}
	if m.Labels["owner"] == "helm" && kind == "Secret" {
		if own.releases[m.Labels["name"]] {
			return ""
		}
		return "storage of Helm release " + m.Labels["name"] + ", which meshwiz did not install"
	}
	if act, reason := own.classify(kind, m.Namespace, m.Name, m.Labels, m.Annotations); act == Remove {
		return ""
	} else if reason != ReasonNotOurs {
		return reason
	}
	if own.hasIstio() && istiodRuntime(kind, m) {
		return "runtime"
	}
	return ReasonNotOurs
}

// istiodRuntimeNames are the objects istiod writes into its namespace at run
// time whose names say neither "leader" nor "election": Istio's lock for IP
// auto-allocation and node untainting (pilot/pkg/leaderelection), its
// per-revision gateway-deployment Lease, and the CA's revocation list.
var istiodRuntimeNames = []string{"istio-ip-autoallocate", "istio-node-untaint", "istio-gateway-deployment", "istio-ca-crl"}

// istiodManager is the field manager of what istiod writes (its binary's name).
const istiodManager = "pilot-discovery"

// istiodRuntime reports whether a ConfigMap or Lease of istio-system is one
// istiod writes at run time: a leader-election lock or one of
// istiodRuntimeNames (a per-revision Lease has the revision appended), or
// an istio* object that only istiod ever wrote.
func istiodRuntime(kind string, m *metav1.ObjectMeta) bool {
	if (kind != "ConfigMap" && kind != "Lease") || !strings.HasPrefix(m.Name, "istio") {
		return false
	}
	if strings.Contains(m.Name, "leader") || strings.Contains(m.Name, "election") {
		return true
	}
	for _, n := range istiodRuntimeNames {
		if m.Name == n || strings.HasPrefix(m.Name, n+"-") {
			return true
		}
	}
	if len(m.ManagedFields) == 0 {
		return false
	}
	for _, f := range m.ManagedFields {
		if f.Manager != istiodManager {
			return false
		}
	}
	return true
}
