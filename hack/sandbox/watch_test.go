package main

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// TestWatchIstiodFollowsDeployment: the supervisor learns within a second
// (a watch, not a 3 s poll) that istio-system/istiod appeared, is being
// deleted (a finalizer holds it), and is gone; a Deployment of another name
// changes nothing.
func TestWatchIstiodFollowsDeployment(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bed := testbed.Own(t, testbed.ClusterSpec{Name: "east"})
	c := bed.Clusters[0]
	cs := c.Clientset()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: istiodNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := make(chan bool, 1)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); watchIstiod(wctx, c, want) }()
	t.Cleanup(func() { stop(); <-done })

	expect := func(what string, v bool) {
		t.Helper()
		start := time.Now()
		for {
			select {
			case got := <-want:
				if got == v {
					t.Logf("%s: seen in %v", what, time.Since(start).Round(time.Millisecond))
					return
				}
			case <-time.After(time.Second - time.Since(start)):
				t.Fatalf("%s: the supervisor was not told %v within 1s", what, v)
			}
		}
	}
	expect("no Deployment yet", false)

	deps := cs.AppsV1().Deployments(istiodNamespace)
	if _, err := deps.Create(ctx, deployment("other", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Create(ctx, deployment("istiod", []string{"sandbox.test/hold"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("istiod created", true)
	select {
	case v := <-want:
		if !v {
			t.Fatal("told false while istiod exists")
		}
	default:
	}
	if err := deps.Delete(ctx, "istiod", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("istiod being deleted (finalizer pending)", false)
	// Gone for good: the finalizer is removed, the object disappears; then a
	// new one appears and is seen too.
	if _, err := deps.Patch(ctx, "istiod", "application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Create(ctx, deployment("istiod", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("istiod created again", true)
	if err := deps.Delete(ctx, "istiod", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("istiod deleted", false)
}

func deployment(name string, finalizers []string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: finalizers},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "discovery", Image: "istio/pilot"}}},
			},
		},
	}
}
