package action

import (
	"context"
	"time"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/status"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/verify"
)

// Status reads the mesh's state in the selected clusters (`meshwiz
// status`); it changes nothing.
type Status struct {
	// Clients are the selected clusters.
	Clients []*kube.Client
}

// StatusResult is what Status.Run found.
type StatusResult struct {
	Summary steps.Summary
	// NotInMesh are the selected contexts that hold no meshwiz record: such
	// a selection is not a healthy mesh however its steps ended.
	NotInMesh []string
}

// Run runs the status plan, reporting its events to observe.
func (s *Status) Run(ctx context.Context, observe steps.Observer) (*StatusResult, error) {
	sum, err := steps.Run(ctx, status.Plan(s.Clients), observe)
	if err != nil {
		return nil, err
	}
	res := &StatusResult{Summary: sum}
	for _, e := range sum.Steps {
		if e.Step.ID == status.IDRecord && e.Status == steps.Warned {
			res.NotInMesh = append(res.NotInMesh, e.Step.Cluster)
		}
	}
	return res, nil
}

// Verify asks every primary's istiod what it really syncs and serves
// (`meshwiz verify`, the wizard summary's v); it changes nothing but the
// optional sample.
type Verify struct {
	// Clients are the selected clusters.
	Clients []*kube.Client
	// Config, if set, says which network each cluster is on.
	Config *mesh.Config
	// Reacher opens the way to istiod; Run sets it with Reach when nil.
	Reacher verify.Reacher
	// Addresses are istiod's debug addresses by context (test beds).
	Addresses map[string]string
	// Kubeconfigs are the kubeconfig files: a sandbox's istiod list is
	// looked for beside them.
	Kubeconfigs []string
	// Sample deploys the helloworld sample first; KeepSample keeps it.
	Sample, KeepSample bool
	// Settle is how long istiod may take to sync (verify's default when 0).
	Settle time.Duration
}

// Reach decides how istiod is reached — Addresses, else the sandbox's
// processes listed beside a kubeconfig, else a port-forward through each
// API server as istioctl does — and says which, for the user.
func (v *Verify) Reach() (verify.Reacher, string, error) {
	if len(v.Addresses) > 0 {
		return verify.Static(v.Addresses), "istiod at the given addresses", nil
	}
	sb, err := verify.LoadSandbox(v.Kubeconfigs)
	switch {
	case err != nil:
		return nil, "", err
	case sb != nil:
		return sb, "istiod of the sandbox's clusters: the local processes listed in " + sb.File, nil
	}
	return verify.PortForward{}, "istiod reached by a port-forward through each API server, as istioctl does", nil
}

// Plan is the verify plan Run runs (Reacher must be set).
func (v *Verify) Plan() []steps.Step {
	opts := verify.Options{Reacher: v.Reacher, Sample: v.Sample, KeepSample: v.KeepSample, Settle: v.Settle}
	if v.Config != nil {
		opts.Networks = map[string]string{}
		for _, cl := range v.Config.Clusters {
			opts.Networks[cl.Context] = cl.Network
		}
	}
	return verify.Plan(v.Clients, opts)
}

// Run reaches istiod (unless Reacher is set) and runs the verify plan,
// reporting its events to observe.
func (v *Verify) Run(ctx context.Context, observe steps.Observer) (steps.Summary, error) {
	if v.Reacher == nil {
		r, _, err := v.Reach()
		if err != nil {
			return steps.Summary{}, err
		}
		v.Reacher = r
	}
	return steps.Run(ctx, v.Plan(), observe)
}
