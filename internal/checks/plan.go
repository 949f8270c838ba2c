package checks

import (
	"context"
	"slices"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// member is one cluster of a plan with its fact cache.
type member struct {
	Cluster
	facts *Facts
}

func (m *member) client() *kube.Client { return m.Client }

// context is the member's kube context, the lane its steps run in.
func (m *member) context() string { return m.Client.Context }

// reachable reports whether the cluster answered (memoized: no new request
// once cluster/api-reachable has run).
func (m *member) reachable(ctx context.Context) bool {
	_, err := m.facts.Version(ctx)
	return err == nil
}

// plan is the state shared by one diagnostic run's checks.
type plan struct {
	opts    Options
	support Support
	members []*member
}

// reachableMembers returns the members that answered and the contexts of the
// ones that did not.
func (p *plan) reachableMembers(ctx context.Context) (ok []*member, down []string) {
	for _, m := range p.members {
		if m.reachable(ctx) {
			ok = append(ok, m)
		} else {
			down = append(down, m.context())
		}
	}
	return ok, down
}

// Plan builds the diagnostic plan: the per-cluster checks for every cluster
// (run concurrently across clusters by steps.Run), then the cross-cluster
// checks. Facts are shared: Facts returns them afterwards, e.g. to count API
// requests. An error means the options are wrong (a usage error).
func Plan(opts Options) ([]steps.Step, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	sup, _ := opts.support()
	p := &plan{opts: opts, support: sup}
	for _, c := range opts.Clusters {
		if c.Name == "" {
			c.Name = c.Client.Context
		}
		p.members = append(p.members, &member{Cluster: c, facts: NewFacts(c.Client)})
	}
	var out []steps.Step
	for _, m := range p.members {
		for _, d := range perCluster {
			out = append(out, steps.Step{ID: d.id, Title: d.title, Hint: d.hint, Severity: d.severity,
				Cluster: m.context(), Run: p.skippable(d.id, func(ctx context.Context) (steps.Result, error) { return d.run(ctx, p, m) })})
		}
	}
	for _, d := range crossCluster {
		sev := d.severity
		if d.topology {
			sev = steps.Fatal
			if opts.MultiNetwork {
				sev = steps.Info
			}
		}
		out = append(out, steps.Step{ID: d.id, Title: d.title, Hint: d.hint, Severity: sev,
			Run: p.skippable(d.id, func(ctx context.Context) (steps.Result, error) { return d.run(ctx, p) })})
	}
	return out, nil
}

func (p *plan) skippable(id string, run func(context.Context) (steps.Result, error)) func(context.Context, func(string)) (steps.Result, error) {
	return func(ctx context.Context, _ func(string)) (steps.Result, error) {
		if slices.Contains(p.opts.Skip, id) {
			if slices.Contains(SkippedFatal([]string{id}, p.opts.MultiNetwork), id) {
				return steps.Result{}, steps.Skip("FATAL check skipped with --skip %s --skip-fatal: nothing guards against what it checks", id)
			}
			return steps.Result{}, steps.Skip("skipped with --skip %s", id)
		}
		return run(ctx)
	}
}
