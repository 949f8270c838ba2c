// Package sample deploys the workload of Istio's multicluster verification
// guide, helloworld v1 in one cluster and v2 in another, for meshwiz verify
// --sample and for the tests that prove a mesh with the real istiod.
package sample

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// Names, as in Istio's multicluster verification guide.
const (
	Namespace = "sample"
	Service   = "helloworld"
	Port      = 5000
	// Host is the Service's mesh host name.
	Host = Service + "." + Namespace + ".svc.cluster.local"
)

// timeout bounds the wait for the sample's pods and endpoints.
const timeout = 2 * time.Minute

// Objects returns the guide's helloworld Service and the Deployment
// helloworld-<version> (version "v1", "v2", ...) for namespace sample. The pod
// template carries what Istio's injector would add and a cluster without
// the injection webhook (the test bed) would lack: security.istio.io/tlsMode: istio (without it istiod drops
// cross-network endpoints) and the canonical service labels.
func Objects(version string) (*corev1.Service, *appsv1.Deployment) {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: Service, Namespace: Namespace,
			Labels: map[string]string{"app": Service, "service": Service}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": Service},
			Ports:    []corev1.ServicePort{{Name: "http", Port: Port, TargetPort: intstr.FromInt32(Port)}},
		},
	}
	labels := map[string]string{"app": Service, "version": version}
	podLabels := map[string]string{"app": Service, "version": version,
		"security.istio.io/tlsMode":           "istio",
		"service.istio.io/canonical-name":     Service,
		"service.istio.io/canonical-revision": version}
	one := int32(1)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: Service + "-" + version, Namespace: Namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: Service, Image: "docker.io/istio/examples-helloworld-" + version + ":1.0",
					Ports: []corev1.ContainerPort{{ContainerPort: Port}},
				}}},
			},
		},
	}
	return svc, dep
}

// Deploy creates namespace sample, the helloworld Service and
// helloworld-<version> in cs, and waits until the Service's EndpointSlices
// list a ready endpoint of that version's pod. It returns the pod IPs of
// this version (data: nothing dials them). Existing objects are kept.
func Deploy(ctx context.Context, cs kubernetes.Interface, version string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); ignoreExists(err) != nil {
		return nil, fmt.Errorf("sample: creating namespace %s: %w", Namespace, err)
	}
	svc, dep := Objects(version)
	if _, err := cs.CoreV1().Services(Namespace).Create(ctx, svc, metav1.CreateOptions{}); ignoreExists(err) != nil {
		return nil, fmt.Errorf("sample: creating Service %s/%s: %w", Namespace, Service, err)
	}
	if _, err := cs.AppsV1().Deployments(Namespace).Create(ctx, dep, metav1.CreateOptions{}); ignoreExists(err) != nil {
		return nil, fmt.Errorf("sample: creating Deployment %s/%s: %w", Namespace, dep.Name, err)
	}
	for {
		ips, err := endpoints(ctx, cs, version)
		if err == nil && len(ips) > 0 {
			return ips, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sample: no ready endpoint of %s-%s after %v (last error: %v)", Service, version, timeout, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// endpoints lists the ready endpoint addresses of the sample Service
// whose pod runs the given version.
func endpoints(ctx context.Context, cs kubernetes.Interface, version string) ([]string, error) {
	pods, err := cs.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + Service + ",version=" + version})
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range pods.Items {
		if p.Status.PodIP != "" {
			want[p.Status.PodIP] = true
		}
	}
	slices, err := cs.DiscoveryV1().EndpointSlices(Namespace).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + Service})
	if err != nil {
		return nil, err
	}
	var ips []string
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && !*e.Conditions.Ready {
				continue
			}
			for _, a := range e.Addresses {
				if want[a] {
					ips = append(ips, a)
				}
			}
		}
	}
	return ips, nil
}

// Remove deletes namespace sample and waits until it is gone (about
// 10 s with kwok pods).
func Remove(ctx context.Context, cs kubernetes.Interface) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := cs.CoreV1().Namespaces().Delete(ctx, Namespace, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sample: deleting namespace %s: %w", Namespace, err)
	}
	for {
		_, err := cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sample: namespace %s still there after %v", Namespace, timeout)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}
