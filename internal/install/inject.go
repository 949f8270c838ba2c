package install

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// InjectionLabel turns on sidecar injection (default revision) for a namespace.
const InjectionLabel = "istio-injection"

// HasSidecar reports whether a pod runs an istio-proxy container, as a
// container or as a native sidecar (an init container); a pod without one
// needs a restart to get a sidecar.
func HasSidecar(p *corev1.Pod) bool {
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range cs {
			if c.Name == "istio-proxy" {
				return true
			}
		}
	}
	return false
}

// podsWithoutSidecar lists "namespace/pod" of the namespace's pods that run
// without an istio-proxy container (they need a restart to get one).
func podsWithoutSidecar(ctx context.Context, r *run, cl *mesh.Cluster, ns string) ([]string, error) {
	pods, err := r.client(cl).Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pods.Items {
		if !HasSidecar(&p) {
			out = append(out, ns+"/"+p.Name)
		}
	}
	return out, nil
}

// injection labels the chosen namespaces istio-injection=enabled and says
// which pods need a restart to get a sidecar.
func (r *run) injection(ctx context.Context, cl *mesh.Cluster) (steps.Result, error) {
	if len(cl.InjectNamespaces) == 0 {
		return steps.Result{}, steps.Skip("no namespaces chosen for sidecar injection in %s", cl.Name)
	}
	c := r.client(cl)
	var restart []string
	for _, ns := range cl.InjectNamespaces {
		patch := mustJSON(map[string]any{"metadata": map[string]any{"labels": injectionNamespace(ns).Labels}})
		_, err := c.Kube.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager})
		if apierrors.IsNotFound(err) {
			return steps.Result{}, steps.WithHint(fmt.Errorf("namespace %q does not exist in %s", ns, cl.Name),
				"create the namespace first, or remove it from injectNamespaces in the mesh config")
		}
		if err != nil {
			return steps.Result{}, fmt.Errorf("labelling namespace %s: %w", ns, err)
		}
		if err := r.note(ctx, c, cl.Name, Object{APIVersion: "v1", Kind: "Namespace", Name: ns, Change: "labelled", Detail: InjectionLabel + "=enabled"}); err != nil {
			return steps.Result{}, err
		}
		pods, err := podsWithoutSidecar(ctx, r, cl, ns)
		if err != nil {
			return steps.Result{}, err
		}
		restart = append(restart, pods...)
	}
	res := steps.Result{Details: map[string]any{"namespaces": cl.InjectNamespaces, "podsToRestart": restart},
		Message: fmt.Sprintf("injection enabled in %s", strings.Join(cl.InjectNamespaces, ", "))}
	if len(restart) > 0 {
		res.Message += fmt.Sprintf("; %d pod(s) need a restart to get a sidecar (kubectl rollout restart)", len(restart))
	}
	return res, nil
}
