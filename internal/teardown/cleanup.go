package teardown

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/await"
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
//
// sent (when not nil) is closed once the namespace's deletion has been sent
// or the step knows it will not send it: the CRD step, which runs beside
// this one, starts then, so that its deletions do not slow down the look
// at what the namespace holds, and overlaps the namespace controller's
// wait instead.
func namespaceStep(c *Cluster, ns Object, included []Object, timeout time.Duration, sent *signal) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		defer sent.fire()
		var r Removal
		if err := removeAll(ctx, c.client, included, progress, &r); err != nil {
			return steps.Result{Details: r}, err
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
		// The pods of the uninstalled releases go first: the namespace
		// controller, finding pods still terminating, would look again only
		// after half their grace period.
		if err := await.Empty(ctx, c.client.Dynamic, gvrPod, install.Namespace, timeout, progress); err != nil {
			return steps.Result{Details: r}, steps.WithHint(fmt.Errorf("the pods of the uninstalled releases did not terminate: %w", err), nsHint)
		}
		if err := remove(ctx, c.client, ns, &r); err != nil {
			return steps.Result{Details: r}, err
		}
		sent.fire()
		if err := await.Gone(ctx, c.client.Dynamic, gvrNamespace, "", []string{install.Namespace}, timeout, progress); err != nil {
			return steps.Result{Details: r}, steps.WithHint(fmt.Errorf("namespace %s was not deleted: %w%s", install.Namespace, err, namespaceWaitsFor(ctx, c)), nsHint)
		}
		return steps.Result{Message: r.message() + " (with the record)", Details: r}, nil
	}
}

// crdStep deletes Istio's CRDs and waits, bounded, until they are gone
// (the apiserver deletes their custom resources first).
//
// after (when not nil) is the namespace step's signal: the CRDs go once
// istio-system's deletion has been sent.
func crdStep(c *Cluster, crds []Object, timeout time.Duration, after *signal) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		if err := after.wait(ctx, progress, "waiting until namespace "+install.Namespace+"'s deletion is sent"); err != nil {
			return steps.Result{}, err
		}
		var r Removal
		if err := removeAll(ctx, c.client, crds, progress, &r); err != nil {
			return steps.Result{Details: r}, err
		}
		names := make([]string, len(crds))
		for i, o := range crds {
			names[i] = o.Name
		}
		if err := await.Gone(ctx, c.client.Dynamic, gvrCRD, "", names, timeout, progress); err != nil {
			return steps.Result{Details: r}, steps.WithHint(fmt.Errorf("Istio's CRDs were not all deleted (the apiserver deletes their custom resources first): %w", err), crdHint)
		}
		return steps.Result{Message: fmt.Sprintf("deleted %d CRDs and their custom resources", len(crds)), Details: r}, nil
	}
}

// namespaceWaitsFor says, once a wait for istio-system ran out, what the
// namespace controller is still waiting for (its conditions and pods).
func namespaceWaitsFor(ctx context.Context, c *Cluster) string {
	if ctx.Err() != nil {
		return "" // interrupted: nothing more to ask
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := c.client.Kube.CoreV1().Namespaces().Get(ctx, install.Namespace, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	var why []string
	for _, cond := range got.Status.Conditions {
		if cond.Status == "True" && cond.Message != "" {
			why = append(why, cond.Message)
		}
	}
	if pods, err := c.client.Kube.CoreV1().Pods(install.Namespace).List(ctx, metav1.ListOptions{}); err == nil && len(pods.Items) > 0 {
		why = append(why, fmt.Sprintf("%d pod(s) left", len(pods.Items)))
	}
	if len(why) == 0 {
		return ""
	}
	return " (" + strings.Join(why, "; ") + ")"
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("%d more", len(s)-n))
	}
	return s
}

// signal is closed once; a nil signal is always fired.
type signal struct {
	once sync.Once
	ch   chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) fire() {
	if s != nil {
		s.once.Do(func() { close(s.ch) })
	}
}

// wait returns once s fires, or ctx's error.
func (s *signal) wait(ctx context.Context, progress func(string), detail string) error {
	if s == nil {
		return nil
	}
	select {
	case <-s.ch:
		return nil
	default:
	}
	progress(detail)
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
