// Package await waits on Kubernetes objects with watches, not polls: each
// wait lists the objects once, then follows a watch and re-judges its
// condition on every change, so it returns the moment the condition holds
// (a poll would add up to its interval per wait, and a request per tick).
//
// Every wait is bounded by its own timeout and, when it runs out, says what
// it was still waiting for (the last progress line), so a step can put its
// own hint under it. Waits report progress ("istiod 0/1 available") on every
// change.
package await

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// ErrTimeout is wrapped by the error of a wait that ran out of time.
var ErrTimeout = errors.New("timed out")

// Judge looks at every object the watch currently holds and says whether
// the wait is over, with a line describing where things stand.
type Judge func(objs []any) (done bool, status string, err error)

// Until lists and watches lw and returns once judge says done, ctx ends or
// timeout passes. what names the wait in errors ("Deployment istiod to be
// Available"). progress, if not nil, gets every new status line.
func Until(ctx context.Context, timeout time.Duration, what string, lw cache.ListerWatcher, obj runtime.Object, judge Judge, progress func(string)) error {
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var store cache.Store
	last := ""
	check := func() (bool, error) {
		done, status, err := judge(store.List())
		if status != "" && status != last {
			last = status
			if progress != nil && !done {
				progress(status)
			}
		}
		return done, err
	}
	pre := func(s cache.Store) (bool, error) { store = s; return check() }
	_, err := watchtools.UntilWithSync(wctx, lw, obj, pre, func(watch.Event) (bool, error) { return check() })
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
	case wctx.Err() != nil:
		if last != "" {
			return fmt.Errorf("%s did not happen within %s (last seen: %s): %w", what, timeout, last, ErrTimeout)
		}
		return fmt.Errorf("%s did not happen within %s: %w", what, timeout, ErrTimeout)
	}
	return fmt.Errorf("waiting for %s: %w", what, err)
}

// listWatch adapts list and watch functions (typed, dynamic or metadata
// clients alike) with fixed options to a ListerWatcher. client is the
// client they come from: client-go streams the initial list through the
// watch (one request instead of two) unless the client says it cannot
// (its fakes).
func listWatch(client any, opts metav1.ListOptions,
	list func(context.Context, metav1.ListOptions) (runtime.Object, error),
	watchFn func(context.Context, metav1.ListOptions) (watch.Interface, error)) cache.ListerWatcher {
	merge := func(o metav1.ListOptions) metav1.ListOptions {
		o.LabelSelector, o.FieldSelector = opts.LabelSelector, opts.FieldSelector
		return o
	}
	return cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return list(ctx, merge(o))
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return watchFn(ctx, merge(o))
		},
	}, client)
}
