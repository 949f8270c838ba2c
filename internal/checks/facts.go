// Package checks is meshwiz's catalogue of prerequisite diagnostics: per-cluster
// checks and cross-cluster checks, declared as steps.Step data and built into a
// plan by Plan. The facts they need (server version, discovery, nodes, service
// ranges, kube-system UID, Istio objects, ...) are gathered at most once per
// cluster by Facts and shared, so no check repeats another's API calls.
package checks

import (
	"context"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// IstioNamespace is where Istio's control plane lives.
const IstioNamespace = "istio-system"

// nodePageSize is the page size when listing nodes.
const nodePageSize = 500

// lazy memoizes one fact: the first caller gathers it, later callers (even
// concurrent ones) reuse the value or the error.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(fetch func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = fetch() })
	return l.v, l.err
}

// Node is what the checks need of a Node (kept small: clusters have thousands).
type Node struct {
	Name     string
	PodCIDRs []string
}

// ServiceRange is a cluster's service CIDRs and where they were found.
type ServiceRange struct {
	CIDRs []string
	// Source is "ServiceCIDR API", "kube-apiserver flag" or "" (unknown).
	Source string
}

// Facts gathers and caches what meshwiz knows about one cluster.
type Facts struct {
	Client *kube.Client

	version      lazy[*version.Info]
	groups       lazy[map[string]bool]
	nodes        lazy[[]Node]
	services     lazy[ServiceRange]
	kubeSystem   lazy[*corev1.Namespace]
	istioNS      lazy[*corev1.Namespace]
	secrets      lazy[map[string]*corev1.Secret]
	deployments  lazy[[]appsv1.Deployment]
	webhooks     lazy[[]kube.WebhookConfiguration]
	istioSvcs    lazy[map[string]map[string]bool]
	meshConfigCM lazy[*corev1.ConfigMap]
	denied       lazy[[]Access]
	kcmPods      lazy[[]corev1.Pod]
	tokenSecrets lazy[[]metav1.PartialObjectMetadata]
}

// NewFacts returns an empty fact cache for one cluster's client bundle.
func NewFacts(c *kube.Client) *Facts { return &Facts{Client: c} }

func (f *Facts) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &kube.ContextError{Context: f.Client.Context, Server: f.Client.Server, Op: op, Err: err}
}

// Version is the API server's version (one request).
func (f *Facts) Version(ctx context.Context) (*version.Info, error) {
	return f.version.get(func() (*version.Info, error) {
		return f.Client.ServerVersion(ctx, kube.DefaultRequestTimeout)
	})
}

// GroupVersions is the set of served API group versions ("apps/v1", "v1").
func (f *Facts) GroupVersions(ctx context.Context) (map[string]bool, error) {
	return f.groups.get(func() (map[string]bool, error) {
		groups, err := f.Client.Kube.Discovery().ServerGroups()
		if err != nil {
			return nil, f.wrap("listing API groups", err)
		}
		out := map[string]bool{}
		for _, g := range groups.Groups {
			for _, v := range g.Versions {
				out[v.GroupVersion] = true
			}
		}
		return out, nil
	})
}

// Nodes lists every node, page by page, keeping only names and pod CIDRs.
func (f *Facts) Nodes(ctx context.Context) ([]Node, error) {
	return f.nodes.get(func() ([]Node, error) {
		var out []Node
		opts := metav1.ListOptions{Limit: nodePageSize}
		for {
			list, err := f.Client.Kube.CoreV1().Nodes().List(ctx, opts)
			if err != nil {
				return nil, f.wrap("listing nodes", err)
			}
			for _, n := range list.Items {
				cidrs := n.Spec.PodCIDRs
				if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
					cidrs = []string{n.Spec.PodCIDR}
				}
				out = append(out, Node{Name: n.Name, PodCIDRs: cidrs})
			}
			if list.Continue == "" {
				return out, nil
			}
			opts.Continue = list.Continue
		}
	})
}

// KubeSystem is the kube-system namespace (its UID identifies the cluster).
func (f *Facts) KubeSystem(ctx context.Context) (*corev1.Namespace, error) {
	return f.kubeSystem.get(func() (*corev1.Namespace, error) {
		ns, err := f.Client.Kube.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
		return ns, f.wrap("reading namespace kube-system", err)
	})
}

// IstioNamespace is the istio-system namespace, or nil when it does not exist.
func (f *Facts) IstioNamespace(ctx context.Context) (*corev1.Namespace, error) {
	return f.istioNS.get(func() (*corev1.Namespace, error) {
		ns, err := f.Client.Kube.CoreV1().Namespaces().Get(ctx, IstioNamespace, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return ns, f.wrap("reading namespace "+IstioNamespace, err)
	})
}

// CASecrets returns the "cacerts" and "istio-ca-secret" Secrets of
// istio-system that exist (by name).
func (f *Facts) CASecrets(ctx context.Context) (map[string]*corev1.Secret, error) {
	return f.secrets.get(func() (map[string]*corev1.Secret, error) {
		out := map[string]*corev1.Secret{}
		ns, err := f.IstioNamespace(ctx)
		if err != nil || ns == nil {
			return out, err
		}
		for _, name := range []string{"cacerts", "istio-ca-secret"} {
			s, err := f.Client.Kube.CoreV1().Secrets(IstioNamespace).Get(ctx, name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				return nil, f.wrap("reading secret "+IstioNamespace+"/"+name, err)
			default:
				out[name] = s
			}
		}
		return out, nil
	})
}

// IstiodDeployments lists the istiod Deployments (label app=istiod) in every namespace.
func (f *Facts) IstiodDeployments(ctx context.Context) ([]appsv1.Deployment, error) {
	return f.deployments.get(func() ([]appsv1.Deployment, error) {
		list, err := f.Client.Kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: "app=istiod"})
		if err != nil {
			return nil, f.wrap("listing istiod deployments", err)
		}
		return list.Items, nil
	})
}

// MeshConfigMap is istio-system's "istio" ConfigMap (mesh config), or nil.
func (f *Facts) MeshConfigMap(ctx context.Context) (*corev1.ConfigMap, error) {
	return f.meshConfigCM.get(func() (*corev1.ConfigMap, error) {
		ns, err := f.IstioNamespace(ctx)
		if err != nil || ns == nil {
			return nil, err
		}
		cm, err := f.Client.Kube.CoreV1().ConfigMaps(IstioNamespace).Get(ctx, "istio", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return cm, f.wrap("reading configmap "+IstioNamespace+"/istio", err)
	})
}
