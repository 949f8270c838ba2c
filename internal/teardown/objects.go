package teardown

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/restmapper"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// Resources teardown reads and deletes.
var (
	gvrSecret         = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	gvrConfigMap      = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	gvrNamespace      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrPod            = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	gvrServiceAccount = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	gvrClusterRole    = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}
	gvrClusterRB      = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}
	gvrMutating       = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "mutatingwebhookconfigurations"}
	gvrValidating     = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}
	gvrGateway        = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "gateways"}
	gvrVirtualService = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	gvrPeerAuth       = schema.GroupVersionResource{Group: "security.istio.io", Version: "v1", Resource: "peerauthentications"}
	gvrCRD            = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// What istiod writes itself.
const (
	caRootConfigMap = "istio-ca-root-cert"
	caSecret        = "istio-ca-secret"
)

// secrets finds remote secrets (any namespace), cacerts and the reader
// token. Only metadata is read: secret data never leaves the cluster.
func (s *scan) secrets(ctx context.Context) error {
	remote, err := s.meta.Resource(gvrSecret).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: install.MultiClusterLbl + "=true"})
	if err != nil {
		return s.wrap("listing remote secrets", err)
	}
	for _, m := range remote.Items {
		o := Object{Category: CatRemoteSecret, Kind: "Secret", APIVersion: "v1", Namespace: m.Namespace, Name: m.Name, gvr: gvrSecret}
		o.PointsAt = m.Annotations[install.ClusterAnno]
		if o.PointsAt == "" {
			o.PointsAt = mesh.RemoteSecretCluster(m.Name)
		}
		o.Detail = "lets this cluster's istiod read cluster " + o.PointsAt
		s.own.set(&o, m.Labels, m.Annotations)
		s.add(o)
	}
	if s.nsObj == nil {
		return nil
	}
	list, err := s.meta.Resource(gvrSecret).Namespace(install.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return s.wrap("listing secrets in "+install.Namespace, err)
	}
	for _, m := range list.Items {
		var o Object
		switch {
		case m.Name == install.CACertsSecret:
			o = Object{Category: CatCACerts, Detail: "istiod's signing CA (intermediate of the mesh root)"}
		case m.Name == install.ReaderToken || strings.HasPrefix(m.Annotations[corev1.ServiceAccountNameKey], readerPrefix):
			o = Object{Category: CatReader, Detail: "token of " + m.Annotations[corev1.ServiceAccountNameKey] + " for remote secrets"}
		default:
			continue
		}
		o.Kind, o.APIVersion, o.Namespace, o.Name, o.gvr = "Secret", "v1", m.Namespace, m.Name, gvrSecret
		s.own.set(&o, m.Labels, m.Annotations)
		s.add(o)
	}
	return nil
}

// reader finds the istio-reader ServiceAccounts, ClusterRoles and
// ClusterRoleBindings (the charts make them; istioctl create-remote-secret
// makes them too).
func (s *scan) reader(ctx context.Context) error {
	type source struct {
		kind, ns string
		gvr      schema.GroupVersionResource
	}
	srcs := []source{{"ClusterRole", "", gvrClusterRole}, {"ClusterRoleBinding", "", gvrClusterRB}}
	if s.nsObj != nil {
		srcs = append([]source{{"ServiceAccount", install.Namespace, gvrServiceAccount}}, srcs...)
	}
	for _, src := range srcs {
		list, err := s.meta.Resource(src.gvr).Namespace(src.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return s.wrap("listing "+src.gvr.Resource, err)
		}
		for _, m := range list.Items {
			if !strings.HasPrefix(m.Name, readerPrefix) {
				continue
			}
			o := Object{Category: CatReader, Kind: src.kind, APIVersion: src.gvr.GroupVersion().String(), Namespace: m.Namespace, Name: m.Name,
				Detail: "lets other clusters' istiods read this one", gvr: src.gvr}
			s.own.set(&o, m.Labels, m.Annotations)
			s.add(o)
		}
	}
	return nil
}

// isIstioWebhook tells Istio's webhook configurations by name: mutating
// istio-sidecar-injector*, istio-revision-tag-*; validating istio-validator*,
// istiod-default-validator.
func isIstioWebhook(kind string, m metav1.ObjectMeta) bool {
	if _, ok := m.Labels[revLabel]; ok {
		return true
	}
	if kind == "MutatingWebhookConfiguration" {
		return strings.HasPrefix(m.Name, "istio-sidecar-injector") || strings.HasPrefix(m.Name, "istio-revision-tag-")
	}
	return strings.HasPrefix(m.Name, "istio-validator") || m.Name == "istiod-default-validator"
}

// webhook is one Istio webhook configuration as found.
type webhook struct {
	kind     string
	meta     metav1.ObjectMeta
	services []types.NamespacedName
}

// listWebhooks lists Istio's webhook configurations.
func listWebhooks(ctx context.Context, s *scan) ([]webhook, error) {
	all, err := s.c.WebhookConfigurations(ctx)
	if err != nil {
		return nil, err
	}
	var out []webhook
	for _, w := range all {
		if isIstioWebhook(w.Kind, w.ObjectMeta) {
			out = append(out, webhook{kind: w.Kind, meta: w.ObjectMeta, services: w.Services})
		}
	}
	return out, nil
}

// webhooks classifies Istio's webhook configurations: meshwiz's when its
// record, label or releases claim them, and also when every Service they
// call in istio-system is gone and meshwiz installed Istio here (the
// leftovers that make the next install fail, istio/istio#34994, #39205).
func (s *scan) webhooks(ctx context.Context) error {
	hooks, err := listWebhooks(ctx, s)
	if err != nil {
		return err
	}
	for _, w := range hooks {
		o, err := s.classifyWebhook(ctx, w)
		if err != nil {
			return err
		}
		s.add(o)
	}
	return nil
}

func (s *scan) classifyWebhook(ctx context.Context, w webhook) (Object, error) {
	gvr := gvrMutating
	if w.kind == "ValidatingWebhookConfiguration" {
		gvr = gvrValidating
	}
	o := Object{Category: CatWebhook, Kind: w.kind, APIVersion: "admissionregistration.k8s.io/v1", Name: w.meta.Name, gvr: gvr}
	var parts, missing []string
	inIstioNS := true // every gone Service was in istio-system
	for _, svc := range w.services {
		_, err := s.c.Kube.CoreV1().Services(svc.Namespace).Get(ctx, svc.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			missing = append(missing, svc.String())
			parts = append(parts, svc.String()+" (gone)")
			inIstioNS = inIstioNS && svc.Namespace == install.Namespace
		case err != nil:
			return o, s.wrap("reading Service "+svc.String(), err)
		default:
			parts = append(parts, svc.String())
		}
	}
	if len(parts) > 0 {
		o.Detail = "calls " + strings.Join(parts, ", ")
	}
	s.own.set(&o, w.meta.Labels, w.meta.Annotations)
	if o.Action == Keep && o.Reason == ReasonNotOurs && s.own.hasIstio() && len(missing) > 0 && len(missing) == len(w.services) && inIstioNS {
		o.Action = Remove
		o.Reason = "a leftover: its Service " + strings.Join(missing, ", ") + " is gone and meshwiz installed Istio here"
	}
	return o, nil
}

// runtime finds what istiod writes itself: the istio-ca-root-cert
// ConfigMap in every namespace and istio-ca-secret. They are meshwiz's when
// meshwiz installed Istio here and no other istiod runs.
func (s *scan) runtime(ctx context.Context) error {
	list, err := s.meta.Resource(gvrConfigMap).Namespace("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + caRootConfigMap})
	if err != nil {
		return s.wrap("listing "+caRootConfigMap+" ConfigMaps", err)
	}
	items := list.Items
	if s.nsObj != nil {
		sec, err := s.meta.Resource(gvrSecret).Namespace(install.Namespace).Get(ctx, caSecret, metav1.GetOptions{})
		if err == nil {
			sec.Kind = "Secret"
			items = append(items, *sec)
		} else if !apierrors.IsNotFound(err) {
			return s.wrap("reading "+caSecret, err)
		}
	}
	for _, m := range items {
		kind, gvr := "ConfigMap", gvrConfigMap
		if m.Name == caSecret {
			kind, gvr = "Secret", gvrSecret
		}
		o := Object{Category: CatRuntime, Kind: kind, APIVersion: "v1", Namespace: m.Namespace, Name: m.Name, gvr: gvr,
			Detail: "written by istiod at run time"}
		s.own.set(&o, m.Labels, m.Annotations)
		if o.Action == Keep && o.Reason == ReasonNotOurs && s.own.hasIstio() && len(s.cl.ForeignIstiod) == 0 {
			o.Action, o.Reason = Remove, "written by the istiod meshwiz installed"
		}
		s.add(o)
	}
	return nil
}

// recorded finds objects the record lists as created that no other
// category covers (an install of a newer meshwiz may create more kinds).
func (s *scan) recorded(ctx context.Context) error {
	var mapper meta.RESTMapper
	for _, e := range recordObjects(s.own.record) {
		if e.Change != "created" || (e.Kind == "Namespace" && e.Name == install.Namespace) || (e.Kind == "ConfigMap" && e.Name == install.RecordName) {
			continue
		}
		if _, ok := s.cl.Find(e.Kind, e.Namespace, e.Name); ok {
			continue
		}
		if mapper == nil {
			mapper = restmapper.NewDeferredDiscoveryRESTMapper(s.c.Discovery)
		}
		gv, err := schema.ParseGroupVersion(e.APIVersion)
		if err != nil {
			continue
		}
		m, err := mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: e.Kind}, gv.Version)
		if err != nil {
			continue // the kind is not served (any more): nothing of it is left
		}
		_, err = s.meta.Resource(m.Resource).Namespace(e.Namespace).Get(ctx, e.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return s.wrap(fmt.Sprintf("reading %s %s", e.Kind, e.Name), err)
		}
		s.add(Object{Category: CatRecorded, Kind: e.Kind, APIVersion: e.APIVersion, Namespace: e.Namespace, Name: e.Name,
			Action: Remove, Reason: ReasonRecord, Detail: e.Detail, gvr: m.Resource})
	}
	return nil
}

// labelled finds every other object labelled managed-by=meshwiz, of any
// kind in any namespace (namespaces aside: meshwiz only creates
// istio-system, which has a step of its own).
func (s *scan) labelled(ctx context.Context) error {
	lists, err := discovery.ServerPreferredResources(s.c.Discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return s.wrap("discovering API resources", err)
	}
	sel := metav1.ListOptions{LabelSelector: install.ManagedByLabel + "=" + install.ManagedByValue}
	notNamespace := func(r metav1.APIResource) bool { return r.Kind == "Namespace" }
	for _, l := range listAll(ctx, s.meta, lists, "", sel, notNamespace) {
		if l.err != nil {
			if ctx.Err() != nil {
				return s.wrap("listing "+l.gvr.Resource, ctx.Err())
			}
			continue // not listable here (forbidden, an aggregated API that is down)
		}
		r := l.resource
		for _, m := range l.items {
			if len(m.OwnerReferences) > 0 || (r.Kind == "ConfigMap" && m.Name == install.RecordName) {
				continue
			}
			if _, ok := s.cl.Find(r.Kind, m.Namespace, m.Name); ok {
				continue
			}
			s.add(Object{Category: CatRecorded, Kind: r.Kind, APIVersion: l.groupVersion, Namespace: m.Namespace, Name: m.Name,
				Action: Remove, Reason: ReasonLabel, gvr: l.gvr})
		}
	}
	return nil
}
