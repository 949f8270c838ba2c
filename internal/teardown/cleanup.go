package teardown

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/steps"
)

const (
	nsHint = "the namespace controller deletes what the namespace holds first; `kubectl get namespace istio-system -o yaml` " +
		"shows what it waits for (status.conditions); run teardown again once it is gone"
	crdHint = "a CRD stays Terminating while the apiserver deletes its custom resources (finalizers can hold them); " +
		"`kubectl get crd NAME -o yaml` shows why (status.conditions); run teardown again to finish"
)

// namespaceStep deletes the objects the user included in istio-system, then
// looks at what is left: the namespace is deleted (and waited for) only if
// nothing meshwiz did not create is in it now; otherwise it stays and loses
// the labels meshwiz put on it.
func namespaceStep(c *Cluster, ns Object, included []Object, timeout time.Duration) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		var r Removal
		for _, o := range included {
			if err := remove(ctx, c.client, o, &r); err != nil {
				return steps.Result{Details: r}, err
			}
		}
		deleteIt := ns.Action == Remove
		if deleteIt && ns.Reason != ReasonIncluded {
			// Look again: something may have appeared since discovery.
			meta, err := metadata.NewForConfig(c.client.Config)
			if err != nil {
				return steps.Result{}, err
			}
			c.client.Discovery.Invalidate()
			blockers, _, _, err := scanContent(ctx, c.client, meta, c.owner, func(string, string) bool { return false })
			if err != nil {
				return steps.Result{}, err
			}
			if len(blockers) > 0 {
				deleteIt, ns.Reason = false, "holds objects meshwiz did not create: "+refs(blockers, 5)
				ns.Labels, ns.Annotations = []string{install.ManagedByLabel, install.NetworkLabel}, []string{install.ControlPlaneAnno}
			}
		}
		if !deleteIt {
			if _, err := unlabel(ctx, c.client, install.Namespace, ns.Labels, ns.Annotations); err != nil {
				return steps.Result{Details: r}, err
			}
			r.Kept = append(r.Kept, "namespace "+install.Namespace+" ("+ns.Reason+")")
			msg := r.message()
			if len(ns.Labels)+len(ns.Annotations) > 0 {
				msg += "; removed meshwiz's " + strings.Join(append(append([]string{}, ns.Labels...), ns.Annotations...), ", ") + " from it"
			}
			return steps.Result{Message: msg, Details: r}, nil
		}
		if err := remove(ctx, c.client, ns, &r); err != nil {
			return steps.Result{Details: r}, err
		}
		nss := c.client.Kube.CoreV1().Namespaces()
		err := waitGone(ctx, timeout, func(ctx context.Context) (bool, string, error) {
			got, err := nss.Get(ctx, install.Namespace, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, "", nil
			}
			if err != nil {
				return false, "", err
			}
			waiting := "waiting for namespace " + install.Namespace + " to be deleted"
			for _, cond := range got.Status.Conditions {
				if cond.Status == "True" && cond.Message != "" {
					return false, waiting + ": " + cond.Message, nil
				}
			}
			if pods, err := c.client.Kube.CoreV1().Pods(install.Namespace).List(ctx, metav1.ListOptions{}); err == nil && len(pods.Items) > 0 {
				waiting += fmt.Sprintf(" (the namespace controller removes its content first: %d pod(s) left)", len(pods.Items))
			}
			return false, waiting, nil
		}, progress)
		if err != nil {
			return steps.Result{Details: r}, steps.WithHint(fmt.Errorf("namespace %s was not deleted within %s: %w", install.Namespace, timeout, err), nsHint)
		}
		return steps.Result{Message: r.message() + " (with the record)", Details: r}, nil
	}
}

// crdStep deletes Istio's CRDs and waits, bounded, until they are gone
// (the apiserver deletes their custom resources first).
func crdStep(c *Cluster, crds []Object, timeout time.Duration) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		var r Removal
		for _, o := range crds {
			if err := remove(ctx, c.client, o, &r); err != nil {
				return steps.Result{Details: r}, err
			}
		}
		crdClient := c.client.Dynamic.Resource(gvrCRD)
		var left []string
		err := waitGone(ctx, timeout, func(ctx context.Context) (bool, string, error) {
			left = left[:0]
			for _, o := range crds {
				_, err := crdClient.Get(ctx, o.Name, metav1.GetOptions{})
				switch {
				case apierrors.IsNotFound(err):
				case err != nil:
					return false, "", err
				default:
					left = append(left, o.Name)
				}
			}
			if len(left) == 0 {
				return true, "", nil
			}
			return false, fmt.Sprintf("waiting for %d of %d CRDs to be deleted (%s): the apiserver deletes their custom resources first",
				len(left), len(crds), strings.Join(first(left, 3), ", ")), nil
		}, progress)
		if err != nil {
			return steps.Result{Details: r}, steps.WithHint(fmt.Errorf("%d CRD(s) still there after %s (%s): %w", len(left), timeout, strings.Join(left, ", "), err), crdHint)
		}
		return steps.Result{Message: fmt.Sprintf("deleted %d CRDs and their custom resources", len(crds)), Details: r}, nil
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("%d more", len(s)-n))
	}
	return s
}
