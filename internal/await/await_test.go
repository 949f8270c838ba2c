package await

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
)

// These are narrow unit tests of the wait logic on client-go's fakes (which
// serve watches); every install and teardown test on the real test bed runs
// these waits against real apiservers.

func TestServiceAddressReactsToTheStatusUpdate(t *testing.T) {
	cs := fake.NewClientset(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "gw", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}})
	go func() {
		time.Sleep(200 * time.Millisecond)
		svc, _ := cs.CoreV1().Services("ns").Get(context.Background(), "gw", metav1.GetOptions{})
		svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "127.0.10.1"}}
		_, _ = cs.CoreV1().Services("ns").UpdateStatus(context.Background(), svc, metav1.UpdateOptions{})
	}()
	var seen []string
	addr, host, err := ServiceAddress(t.Context(), cs, "ns", "gw", time.Minute, func(s string) { seen = append(seen, s) })
	if err != nil || addr != "127.0.10.1" || host {
		t.Fatalf("got %q host=%v err=%v", addr, host, err)
	}
	if len(seen) == 0 || !strings.Contains(seen[0], "has no external address yet") {
		t.Errorf("progress %q", seen)
	}
}

func TestTimeoutSaysWhatItWaitedFor(t *testing.T) {
	cs := fake.NewClientset(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "gw", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}})
	_, _, err := ServiceAddress(t.Context(), cs, "ns", "gw", 300*time.Millisecond, nil)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	for _, want := range []string{"an external address on Service ns/gw", "300ms", "type LoadBalancer) has no external address yet"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func TestCanceledIsNotATimeout(t *testing.T) {
	cs := fake.NewClientset()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, _, err := ServiceAddress(ctx, cs, "ns", "gw", time.Minute, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
}

func TestReleaseDeploymentsAvailable(t *testing.T) {
	one := int32(1)
	dep := func(name, release string) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Generation: 1,
			Annotations: map[string]string{HelmReleaseAnno: release}}, Spec: appsv1.DeploymentSpec{Replicas: &one}}
	}
	// another release's Deployment never becomes available: not waited for
	cs := fake.NewClientset(dep("istiod", "istiod"), dep("other", "other"))
	go func() {
		time.Sleep(200 * time.Millisecond)
		d := dep("istiod", "istiod")
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1, ReadyReplicas: 1}
		_, _ = cs.AppsV1().Deployments("ns").UpdateStatus(context.Background(), d, metav1.UpdateOptions{})
	}()
	var seen []string
	if err := ReleaseDeploymentsAvailable(t.Context(), cs, "ns", "istiod", time.Minute, func(s string) { seen = append(seen, s) }); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 || seen[0] != "istiod 0/1 available" {
		t.Errorf("progress %q", seen)
	}
}

func TestGoneAndEmpty(t *testing.T) {
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	pod := func(name string) runtime.Object {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("Pod")
		u.SetNamespace("ns")
		u.SetName(name)
		return u
	}
	scheme := runtime.NewScheme()
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(scheme, map[schema.GroupVersionResource]string{gvr: "PodList"}, pod("a"), pod("b"))
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = dyn.Resource(gvr).Namespace("ns").Delete(context.Background(), "a", metav1.DeleteOptions{})
	}()
	if err := Gone(t.Context(), dyn, gvr, "ns", []string{"a", "never-there"}, time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	err := Empty(t.Context(), dyn, gvr, "ns", 200*time.Millisecond, nil)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "1 pods left in ns (b)") {
		t.Fatalf("err = %v", err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = dyn.Resource(gvr).Namespace("ns").Delete(context.Background(), "b", metav1.DeleteOptions{})
	}()
	if err := Empty(t.Context(), dyn, gvr, "ns", time.Minute, nil); err != nil {
		t.Fatal(err)
	}
}
