package teardown

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// uninstallStep uninstalls Helm releases in istio-system, whatever their
// state (a release left pending or failed by an interrupted setup
// uninstalls too) and purges their history; timeout bounds Helm's hooks.
// A release already gone counts as uninstalled.
func uninstallStep(c *Cluster, rels []Object, timeout time.Duration) stepFn {
	return func(ctx context.Context, progress func(string)) (steps.Result, error) {
		hc, err := helmClient(ctx, c.client)
		if err != nil {
			return steps.Result{}, err
		}
		cfg, err := hc.Helm(install.Namespace, nil)
		if err != nil {
			return steps.Result{}, err
		}
		var done []string
		for _, rel := range rels {
			progress(fmt.Sprintf("uninstalling release %s (%s)", rel.Name, rel.Detail))
			un := action.NewUninstall(cfg)
			// No Helm wait (a two-second poll): the objects go with background
			// propagation, and what must be gone before the next step is
			// awaited with watches (istio-system, CRDs).
			un.Timeout = timeout
			un.IgnoreNotFound, un.KeepHistory = true, false
			un.DeletionPropagation = "background"
			res, err := un.Run(rel.Name)
			if ctx.Err() != nil {
				return steps.Result{}, fmt.Errorf("uninstalling release %s/%s: %w", install.Namespace, rel.Name, ctx.Err())
			}
			if err != nil {
				return steps.Result{}, fmt.Errorf("uninstalling release %s/%s: %w", install.Namespace, rel.Name, err)
			}
			switch {
			case res == nil:
				done = append(done, rel.Name+" (already gone)")
			default:
				msg := "uninstalled " + rel.Name + " (was " + rel.Detail + ")"
				if k := keptCount(res.Info); k > 0 {
					msg += fmt.Sprintf("; %d resource(s) kept by their resource policy", k)
				}
				done = append(done, msg)
			}
		}
		return steps.Result{Message: strings.Join(done, "; "), Details: Removal{Removed: refsOf(rels)}}, nil
	}
}

// keptCount counts the "[Kind] name" lines of Helm's kept-resources note.
func keptCount(info string) int {
	n := 0
	for _, l := range strings.Split(info, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "[") {
			n++
		}
	}
	return n
}

func refsOf(objs []Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Ref()
	}
	return out
}
