package teardown

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Removal is the structured result of a step (JSON "details").
type Removal struct {
	Removed     []string `json:"removed,omitempty"`
	AlreadyGone []string `json:"alreadyGone,omitempty"`
	Kept        []string `json:"kept,omitempty"`
}

func (r Removal) message() string {
	var parts []string
	if len(r.Removed) > 0 {
		parts = append(parts, "removed "+strings.Join(r.Removed, ", "))
	}
	if len(r.AlreadyGone) > 0 {
		parts = append(parts, "already gone: "+strings.Join(r.AlreadyGone, ", "))
	}
	if len(r.Kept) > 0 {
		parts = append(parts, "kept "+strings.Join(r.Kept, ", "))
	}
	if len(parts) == 0 {
		return "nothing to remove"
	}
	return strings.Join(parts, "; ")
}

// remove deletes one object; an object already gone counts as removed.
func remove(ctx context.Context, c *kube.Client, o Object, r *Removal) error {
	bg := metav1.DeletePropagationBackground
	err := c.Dynamic.Resource(o.gvr).Namespace(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
	switch {
	case apierrors.IsNotFound(err):
		r.AlreadyGone = append(r.AlreadyGone, o.Ref())
	case err != nil:
		return fmt.Errorf("deleting %s: %w", o.Ref(), err)
	default:
		r.Removed = append(r.Removed, o.Ref())
	}
	return nil
}

// deleteStep removes the objects, several at once.
func deleteStep(c *Cluster, objs []Object) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		var r Removal
		err := removeAll(ctx, c.client, objs, progress, &r)
		return steps.Result{Message: r.message(), Details: r}, err
	}
}

// deleteConcurrency bounds the deletes in flight per cluster: on a distant
// API server a step costs about one round trip instead of one per object.
const deleteConcurrency = 8

// removeAll deletes the objects concurrently (bounded) and records the
// outcome in r in the objects' order; the first error is returned after
// every delete has ended.
func removeAll(ctx context.Context, c *kube.Client, objs []Object, progress func(string), r *Removal) error {
	if len(objs) == 1 {
		progress("deleting " + objs[0].Ref())
	} else if len(objs) > 1 {
		progress(fmt.Sprintf("deleting %d objects (%s)", len(objs), names(objs)))
	}
	each := make([]Removal, len(objs))
	errs := make([]error, len(objs))
	sem := make(chan struct{}, deleteConcurrency)
	var wg sync.WaitGroup
	for i, o := range objs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = remove(ctx, c, o, &each[i])
		}()
	}
	wg.Wait()
	for _, e := range each {
		r.Removed = append(r.Removed, e.Removed...)
		r.AlreadyGone = append(r.AlreadyGone, e.AlreadyGone...)
	}
	return errors.Join(errs...)
}

// recordStep removes the record, which may have gone with istio-system.
func recordStep(c *Cluster, rec Object) stepFn {
	return func(ctx context.Context, _ func(string)) (steps.Result, error) {
		var r Removal
		if err := remove(ctx, c.client, rec, &r); err != nil {
			return steps.Result{}, err
		}
		if len(r.AlreadyGone) > 0 {
			return steps.Result{Message: "the record is gone (it went with namespace " + install.Namespace + ")", Details: r}, nil
		}
		return steps.Result{Message: r.message(), Details: r}, nil
	}
}

// webhookStep lists Istio's webhook configurations again once the releases
// are gone and removes those that are meshwiz's (the leftovers Helm did not
// remove, and those whose Service is gone), plus the ones the inventory named.
func webhookStep(c *Cluster, named []Object) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		meta, err := metadata.NewForConfig(c.client.Config)
		if err != nil {
			return steps.Result{}, err
		}
		s := &scan{c: c.client, meta: meta, cl: &Cluster{Context: c.Context, ForeignIstiod: c.ForeignIstiod}, own: c.owner}
		hooks, err := listWebhooks(ctx, s)
		if err != nil {
			return steps.Result{}, err
		}
		todo := map[string]Object{}
		for _, o := range named {
			todo[o.Ref()] = o
		}
		var r Removal
		for _, w := range hooks {
			o, err := s.classifyWebhook(ctx, w)
			if err != nil {
				return steps.Result{}, err
			}
			if o.Action == Remove {
				todo[o.Ref()] = o
			}
		}
		refs := make([]string, 0, len(todo))
		for ref := range todo {
			refs = append(refs, ref)
		}
		sort.Strings(refs)
		objs := make([]Object, len(refs))
		for i, ref := range refs {
			objs[i] = todo[ref]
		}
		if err := removeAll(ctx, c.client, objs, progress, &r); err != nil {
			return steps.Result{Details: r}, err
		}
		if len(r.Removed) == 0 {
			return steps.Result{Message: "none left: Helm removed them with the releases", Details: r}, nil
		}
		return steps.Result{Message: r.message(), Details: r}, nil
	}
}

// labelStep removes the labels (and annotations) meshwiz added, never the namespaces.
func labelStep(c *Cluster, objs []Object) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		var r Removal
		for _, o := range objs {
			progress("removing " + strings.Join(append(append([]string{}, o.Labels...), o.Annotations...), ", ") + " from namespace " + o.Name)
			done, err := unlabel(ctx, c.client, o.Name, o.Labels, o.Annotations)
			if err != nil {
				return steps.Result{Details: r}, err
			}
			what := o.Name + " (" + o.Detail + ")"
			if done {
				r.Removed = append(r.Removed, what)
			} else {
				r.AlreadyGone = append(r.AlreadyGone, what)
			}
		}
		return steps.Result{Message: r.message(), Details: r}, nil
	}
}

// unlabel removes label and annotation keys from a namespace; false when
// the namespace is gone.
func unlabel(ctx context.Context, c *kube.Client, ns string, labels, annotations []string) (bool, error) {
	nul := func(keys []string) map[string]any {
		m := map[string]any{}
		for _, k := range keys {
			m[k] = nil
		}
		return m
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": nul(labels), "annotations": nul(annotations)}})
	if err != nil {
		return false, err
	}
	_, err = c.Kube.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: install.FieldManager})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("removing labels from namespace %s: %w", ns, err)
	}
	return true, nil
}

// helmClient is a copy of the cluster's client whose requests stop once
// ctx is done, so that a Helm action (which takes no context) honours it.
func helmClient(ctx context.Context, c *kube.Client) (*kube.Client, error) {
	cfg := rest.CopyConfig(c.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return ctxTransport{ctx: ctx, next: rt} })
	hc, err := kube.NewClientForConfig(c.Context, cfg)
	if err != nil {
		return nil, err
	}
	hc.Server = c.Server
	return hc, nil
}

// ctxTransport fails requests once ctx is done and gives requests that carry
// no context of their own (Helm's) that one.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	if r.Context().Done() == nil {
		r = r.WithContext(t.ctx)
	}
	return t.next.RoundTrip(r)
}

// WrappedRoundTripper lets client-go reach the transport underneath.
func (t ctxTransport) WrappedRoundTripper() http.RoundTripper { return t.next }
