package install

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// ensureNamespace creates istio-system (labelled managed-by meshwiz) or
// adopts the existing one (one an earlier run created stays recorded as
// created), and sets the topology label (the cluster's
// network) and, on a remote, the controlPlaneClusters annotation naming its
// primary.
func (r *run) ensureNamespace(ctx context.Context, cl *mesh.Cluster) (steps.Result, error) {
	c := r.client(cl)
	nss := c.Kube.CoreV1().Namespaces()
	ns, err := nss.Get(ctx, Namespace, metav1.GetOptions{})
	created := false
	switch {
	case apierrors.IsNotFound(err):
		ns, err = nss.Create(ctx, istioNamespace(cl), metav1.CreateOptions{FieldManager: FieldManager})
		if err != nil {
			return steps.Result{}, fmt.Errorf("creating namespace %s: %w", Namespace, err)
		}
		created = true
	case err != nil:
		return steps.Result{}, fmt.Errorf("reading namespace %s: %w", Namespace, err)
	}
	if ns.DeletionTimestamp != nil {
		return steps.Result{}, fmt.Errorf("namespace %s is being deleted: wait until it is gone, then run again", Namespace)
	}
	// An adopted namespace gets the topology only: it stays the user's.
	labels, annotations := namespaceTopology(cl)
	metadata := map[string]any{"labels": labels}
	if annotations != nil {
		metadata["annotations"] = annotations
	}
	patch := map[string]any{"metadata": metadata}
	if _, err := nss.Patch(ctx, Namespace, types.MergePatchType, mustJSON(patch), metav1.PatchOptions{FieldManager: FieldManager}); err != nil {
		return steps.Result{}, fmt.Errorf("labelling namespace %s: %w", Namespace, err)
	}
	change, msg := "labelled", "adopted the existing "+Namespace
	switch {
	case created:
		change, msg = "created", "created "+Namespace
	case ns.Labels[ManagedByLabel] == ManagedByValue:
		// meshwiz's own namespace from an earlier (maybe interrupted)
		// run: still "created", so that the record keeps one entry and
		// teardown removes it.
		change, msg = "created", "kept "+Namespace+" (created by an earlier run)"
	}
	detail := NetworkLabel + "=" + cl.Network
	if cl.Role == mesh.Remote {
		detail += ", " + ControlPlaneAnno + "=" + cl.Primary
	}
	if err := r.note(ctx, c, cl.Name, Object{APIVersion: "v1", Kind: "Namespace", Name: Namespace, Change: change, Detail: detail}); err != nil {
		return steps.Result{}, err
	}
	return steps.Result{Message: msg + " with " + detail}, nil
}
