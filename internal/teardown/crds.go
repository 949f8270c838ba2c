package teardown

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/install"
)

// foreignIstiod finds istiod Deployments that meshwiz did not install: their
// CRDs and runtime objects are not meshwiz's to remove.
func (s *scan) foreignIstiod(ctx context.Context) error {
	gvr := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	list, err := s.meta.Resource(gvr).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: "app=istiod"})
	if err != nil {
		return s.wrap("listing istiod Deployments", err)
	}
	for _, d := range list.Items {
		if rel := helmRelease(d.Annotations); rel != "" && s.own.releases[rel] {
			continue
		}
		s.cl.ForeignIstiod = append(s.cl.ForeignIstiod, d.Namespace+"/"+d.Name)
	}
	return nil
}

// crds finds Istio's CRDs (*.istio.io) and counts the custom resources of each.
func (s *scan) crds(ctx context.Context) error {
	list, err := s.meta.Resource(gvrCRD).List(ctx, metav1.ListOptions{})
	if err != nil {
		return s.wrap("listing CRDs", err)
	}
	lists, err := discovery.ServerPreferredResources(s.c.Discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return s.wrap("discovering API resources", err)
	}
	served := map[string]schema.GroupVersionResource{} // CRD name → the version to list
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			served[r.Name+"."+gv.Group] = gv.WithResource(r.Name)
		}
	}
	for _, m := range list.Items {
		_, group, _ := strings.Cut(m.Name, ".")
		if group != crdGroupSuffix && !strings.HasSuffix(group, "."+crdGroupSuffix) {
			continue
		}
		o := Object{Category: CatCRD, Kind: "CustomResourceDefinition", APIVersion: "apiextensions.k8s.io/v1", Name: m.Name, gvr: gvrCRD}
		if gvr, ok := served[m.Name]; ok {
			n, err := countResources(ctx, s.meta, gvr)
			if err != nil {
				return s.wrap("counting "+m.Name, err)
			}
			o.CustomResources = n
		}
		o.Detail = fmt.Sprintf("%d custom resources", o.CustomResources)
		if m.DeletionTimestamp != nil {
			o.Detail += ", terminating"
		}
		s.classifyCRD(&o, m.ObjectMeta)
		s.add(o)
	}
	return nil
}

func (s *scan) classifyCRD(o *Object, m metav1.ObjectMeta) {
	if s.own.included(o.Kind, "", o.Name) {
		o.Action, o.Reason = Remove, ReasonIncluded
		return
	}
	rel := helmRelease(m.Annotations)
	var ours string
	switch {
	case m.Labels[install.ManagedByLabel] == install.ManagedByValue:
		ours = ReasonLabel
	case rel != "" && s.own.releases[rel]:
		ours = "from meshwiz's Helm release " + rel
	case rel != "" && s.own.existing[rel]:
		o.Action, o.Reason = Keep, fmt.Sprintf("part of Helm release %s, which meshwiz did not install", rel)
		return
	case len(s.cl.ForeignIstiod) > 0:
		o.Action, o.Reason = Keep, "an Istio control plane meshwiz did not install uses it ("+strings.Join(s.cl.ForeignIstiod, ", ")+")"
		return
	case rel != "":
		ours = "left behind by Helm release " + rel + ", which is gone"
	default:
		ours = "left behind by an earlier Istio install"
	}
	if s.opts.PurgeCRDs {
		o.Action, o.Reason = Remove, ours+" (--purge-crds)"
		return
	}
	o.Action, o.Reason = Keep, ReasonPurgeCRDs
}

// countResources counts the objects of a resource in all namespaces.
func countResources(ctx context.Context, meta metadata.Interface, gvr schema.GroupVersionResource) (int, error) {
	n := 0
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := meta.Resource(gvr).Namespace("").List(ctx, opts)
		if err != nil {
			return 0, err
		}
		n += len(list.Items)
		if list.Continue == "" {
			return n, nil
		}
		opts.Continue = list.Continue
	}
}

// exposure finds the Gateways, VirtualServices and PeerAuthentications in
// istio-system (meshwiz applies cross-network-gateway, istiod-gateway,
// istiod-vs and the mesh-wide PeerAuthentication default).
func (s *scan) exposure(ctx context.Context) error {
	if s.nsObj == nil {
		return nil
	}
	kinds := []struct {
		kind string
		gvr  schema.GroupVersionResource
	}{{"Gateway", gvrGateway}, {"VirtualService", gvrVirtualService}, {"PeerAuthentication", gvrPeerAuth}}
	// The three lists go at once: an apiserver answers the first request
	// for a CRD only once it has built its storage (up to a second each
	// right after setup), and every one is a round trip.
	lists := make([]*unstructured.UnstructuredList, len(kinds))
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	for i, k := range kinds {
		wg.Go(func() {
			lists[i], errs[i] = s.c.Dynamic.Resource(k.gvr).Namespace(install.Namespace).List(ctx, metav1.ListOptions{})
		})
	}
	wg.Wait()
	for i, k := range kinds {
		list, err := lists[i], errs[i]
		if apierrors.IsNotFound(err) {
			continue // no CRD
		}
		if err != nil {
			return s.wrap("listing "+k.gvr.Resource+" in "+install.Namespace, err)
		}
		for _, u := range list.Items {
			o := Object{Category: CatExposure, Kind: k.kind, APIVersion: k.gvr.GroupVersion().String(), Namespace: u.GetNamespace(), Name: u.GetName(), gvr: k.gvr}
			s.own.set(&o, u.GetLabels(), u.GetAnnotations())
			switch {
			case k.kind == "Gateway" && u.GetName() == "istiod-gateway":
				o.Detail = "exposes istiod to remote clusters (15012, 15017)"
				if o.Action == Remove {
					s.cl.ServesRemotes = true
				}
			case k.kind == "Gateway":
				o.Detail = "exposes services across networks"
			case k.kind == "VirtualService":
				o.Detail = "routes the east-west gateway to istiod"
			case k.kind == "PeerAuthentication":
				mode := nestedString(u.Object, "spec", "mtls", "mode")
				o.Detail = "mTLS mode " + mode
				if u.GetName() == "default" && mode == "STRICT" {
					s.cl.StrictMTLS = true
				}
			}
			s.add(o)
		}
	}
	return nil
}

func nestedString(obj map[string]any, path ...string) string {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[p]
	}
	v, _ := cur.(string)
	return v
}
