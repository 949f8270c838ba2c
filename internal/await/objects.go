package await

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// HelmReleaseAnno is the annotation Helm puts on every object of a release.
const HelmReleaseAnno = "meta.helm.sh/release-name"

// CRDResource is the CustomResourceDefinition resource.
var CRDResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// ReleaseDeploymentsAvailable waits until every Deployment of the Helm
// release in namespace is Available with all replicas updated (what
// `helm --wait` judges, without its two-second poll).
func ReleaseDeploymentsAvailable(ctx context.Context, cs kubernetes.Interface, namespace, release string, timeout time.Duration, progress func(string)) error {
	d := cs.AppsV1().Deployments(namespace)
	lw := listWatch(cs, metav1.ListOptions{},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return d.List(ctx, o) },
		d.Watch)
	judge := func(objs []any) (bool, string, error) {
		var parts []string
		done := true
		for _, o := range objs {
			dep := o.(*appsv1.Deployment)
			if dep.Annotations[HelmReleaseAnno] != release {
				continue
			}
			ready, want := deploymentReady(dep)
			parts = append(parts, fmt.Sprintf("%s %d/%d available", dep.Name, ready, want))
			if !readyEnough(dep) {
				done = false
			}
		}
		sort.Strings(parts)
		return done, strings.Join(parts, ", "), nil
	}
	return Until(ctx, timeout, "the Deployments of release "+release+" to be available", lw, &appsv1.Deployment{}, judge, progress)
}

func deploymentReady(d *appsv1.Deployment) (available, want int32) {
	want = 1
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	return d.Status.AvailableReplicas, want
}

// readyEnough is kubectl rollout status's rule: the controller has seen the
// current spec, every replica is updated and enough are available.
func readyEnough(d *appsv1.Deployment) bool {
	if d.Generation > d.Status.ObservedGeneration {
		return false
	}
	avail, want := deploymentReady(d)
	return d.Status.UpdatedReplicas >= want && avail >= want && d.Status.Replicas == d.Status.UpdatedReplicas
}

// ReleaseCRDsEstablished waits until every CRD of the Helm release is
// Established (its API is served), the moment Istio objects can be created.
func ReleaseCRDsEstablished(ctx context.Context, dyn dynamic.Interface, release string, timeout time.Duration, progress func(string)) error {
	r := dyn.Resource(CRDResource)
	lw := listWatch(dyn, metav1.ListOptions{},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return r.List(ctx, o) },
		r.Watch)
	judge := func(objs []any) (bool, string, error) {
		total, waiting := 0, []string{}
		for _, o := range objs {
			u := o.(*unstructured.Unstructured)
			if u.GetAnnotations()[HelmReleaseAnno] != release {
				continue
			}
			total++
			if !condition(u, "Established") {
				waiting = append(waiting, u.GetName())
			}
		}
		sort.Strings(waiting)
		status := fmt.Sprintf("%d of %d CRDs established", total-len(waiting), total)
		if len(waiting) > 0 {
			status += " (waiting for " + strings.Join(firstN(waiting, 2), ", ") + ")"
		}
		return len(waiting) == 0, status, nil
	}
	return Until(ctx, timeout, "the CRDs of release "+release+" to be established", lw, &unstructured.Unstructured{}, judge, progress)
}

// condition reports whether the object's status has condition typ True.
func condition(u *unstructured.Unstructured, typ string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ && m["status"] == "True" {
			return true
		}
	}
	return false
}

// ServiceAddress waits until the Service has an address other clusters can
// use: spec.externalIPs, or a load balancer ingress IP or host name. It
// returns the address and whether it is a host name.
func ServiceAddress(ctx context.Context, cs kubernetes.Interface, namespace, name string, timeout time.Duration, progress func(string)) (addr string, hostname bool, err error) {
	s := cs.CoreV1().Services(namespace)
	lw := listWatch(cs, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return s.List(ctx, o) },
		s.Watch)
	judge := func(objs []any) (bool, string, error) {
		if len(objs) == 0 {
			return false, "Service " + namespace + "/" + name + " does not exist yet", nil
		}
		svc := objs[0].(*corev1.Service)
		if len(svc.Spec.ExternalIPs) > 0 {
			addr = svc.Spec.ExternalIPs[0]
			return true, "", nil
		}
		for _, in := range svc.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				addr, hostname = in.IP, false
				return true, "", nil
			}
			if in.Hostname != "" {
				addr, hostname = in.Hostname, true
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("Service %s/%s (type %s) has no external address yet", namespace, name, svc.Spec.Type), nil
	}
	err = Until(ctx, timeout, "an external address on Service "+namespace+"/"+name, lw, &corev1.Service{}, judge, progress)
	return addr, hostname, err
}

// Gone waits until none of the named objects of a resource exists (each
// may already be gone). namespace is "" for cluster-scoped resources.
func Gone(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, namespace string, names []string, timeout time.Duration, progress func(string)) error {
	if len(names) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	ri := dyn.Resource(gvr).Namespace(namespace)
	opts := metav1.ListOptions{}
	if len(names) == 1 {
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", names[0]).String()
	}
	lw := listWatch(dyn, opts,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return ri.List(ctx, o) },
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) { return ri.Watch(ctx, o) })
	judge := func(objs []any) (bool, string, error) {
		var left []string
		for _, o := range objs {
			if u := o.(*unstructured.Unstructured); want[u.GetName()] {
				left = append(left, u.GetName())
			}
		}
		sort.Strings(left)
		return len(left) == 0, fmt.Sprintf("%d of %d %s left (%s)", len(left), len(names), gvr.Resource, strings.Join(firstN(left, 3), ", ")), nil
	}
	what := fmt.Sprintf("%d %s to be deleted", len(names), gvr.Resource)
	if len(names) == 1 {
		what = gvr.Resource + " " + names[0] + " to be deleted"
	}
	return Until(ctx, timeout, what, lw, &unstructured.Unstructured{}, judge, progress)
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("%d more", len(s)-n))
	}
	return s
}

// Empty waits until no object of the resource is left in namespace (the
// pods of uninstalled Deployments, say, while the garbage collector and the
// kubelets remove them).
func Empty(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, namespace string, timeout time.Duration, progress func(string)) error {
	ri := dyn.Resource(gvr).Namespace(namespace)
	lw := listWatch(dyn, metav1.ListOptions{},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return ri.List(ctx, o) },
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) { return ri.Watch(ctx, o) })
	judge := func(objs []any) (bool, string, error) {
		var left []string
		for _, o := range objs {
			left = append(left, o.(*unstructured.Unstructured).GetName())
		}
		sort.Strings(left)
		return len(left) == 0, fmt.Sprintf("%d %s left in %s (%s)", len(left), gvr.Resource, namespace, strings.Join(firstN(left, 3), ", ")), nil
	}
	return Until(ctx, timeout, "no "+gvr.Resource+" left in namespace "+namespace, lw, &unstructured.Unstructured{}, judge, progress)
}
