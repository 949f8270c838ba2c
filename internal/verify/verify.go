// Package verify proves a mesh with the facts of the real Istio control
// plane, as a plan of read-only steps for the steps engine (shaped like
// internal/status): per primary, which clusters its istiod reads and whether
// it has synced them (/debug/clusterz); per service, which clusters' endpoints
// it holds and on which network (/debug/endpointShardz); the east-west
// gateways it knows per network (/debug/networkz); across the clusters, a
// matrix of which cluster's proxies reach which cluster's endpoints, directly
// or through a gateway. It reaches istiod through a Reacher (a port-forward
// through the API server, like istioctl, or a given loopback address on a
// test bed) and never dials a pod IP. With Sample it first deploys Istio's
// helloworld v1/v2 (and removes it afterwards unless KeepSample).
package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/sample"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Step IDs (stable: JSON output and tests use them).
const (
	IDCluster       = "verify/cluster"
	IDSample        = "verify/sample"
	IDIstiod        = "verify/istiod-sync"
	IDEndpoints     = "verify/endpoints"
	IDMesh          = "verify/mesh"
	IDSampleCleanup = "verify/sample-cleanup"
)

const rerunSetup = "run `meshwiz setup --config mesh.yaml` again: every primary gets a remote secret for every other cluster"

// Options configures Plan. Zero values get defaults.
type Options struct {
	// Reacher opens the way to each primary's istiod (default PortForward{}).
	Reacher Reacher
	// Services are the service host names whose endpoints are followed
	// (default: the sample's helloworld.sample.svc.cluster.local).
	Services []string
	// Sample deploys helloworld v<N> in the N-th cluster first.
	Sample bool
	// KeepSample keeps the sample afterwards.
	KeepSample bool
	// Settle is how long verify waits for istiod to sync every cluster and
	// every cluster's endpoints before reporting what is missing (default 60 s).
	Settle time.Duration
	// Networks, if set (from mesh.yaml), maps context → the network the
	// cluster is really on; a different label is reported.
	Networks map[string]string
}

type state struct {
	mu       sync.Mutex
	clusters map[string]*Cluster // by context
}

func (s *state) get(ctx string) *Cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clusters[ctx]
}

func (s *state) set(cl *Cluster) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusters[cl.Context] = cl
}

// Plan returns the verify steps for the clusters (one client per kube context).
func Plan(clients []*kube.Client, opts Options) []steps.Step {
	if opts.Reacher == nil {
		opts.Reacher = PortForward{}
	}
	if len(opts.Services) == 0 {
		opts.Services = []string{sample.Host}
	}
	if opts.Settle <= 0 {
		opts.Settle = 60 * time.Second
	}
	st := &state{clusters: map[string]*Cluster{}}
	v := &verifier{opts: opts, st: st, clients: clients}
	var plan []steps.Step
	var facts, checks []steps.Ref
	add := func(c *kube.Client, id, title, hint string, timeout time.Duration, after []steps.Ref, fn func(context.Context, *kube.Client) (steps.Result, error)) steps.Ref {
		plan = append(plan, steps.Step{ID: id, Title: title, Hint: hint, Cluster: c.Context, Severity: steps.Error,
			Timeout: timeout, After: after, Run: func(ctx context.Context, _ func(string)) (steps.Result, error) { return fn(ctx, c) }})
		return steps.Ref{ID: id, Cluster: c.Context}
	}
	for i, c := range clients {
		facts = append(facts, add(c, IDCluster, "the cluster's mesh name, network and role", "", 0, nil, v.cluster))
		if opts.Sample {
			version := fmt.Sprintf("v%d", i+1)
			facts = append(facts, add(c, IDSample, "the sample helloworld-"+version+" runs", "", 3*time.Minute, nil,
				func(ctx context.Context, c *kube.Client) (steps.Result, error) {
					return v.deploySample(ctx, c, version)
				}))
		}
	}
	for _, c := range clients {
		checks = append(checks, add(c, IDIstiod, "istiod reads and has synced every other cluster",
			rerunSetup+"; a cluster stuck in syncing/timeout: check the server address and token in its remote secret",
			opts.Settle+time.Minute, facts, v.istiodSync))
		checks = append(checks, add(c, IDEndpoints, "istiod holds every cluster's endpoints, on the right network",
			"label istio-system in each cluster with its topology.istio.io/network (meshwiz setup does) and give every network an east-west gateway",
			30*time.Second, nil, v.endpoints))
	}
	if len(clients) > 1 {
		plan = append(plan, steps.Step{ID: IDMesh, Title: "every cluster's proxies reach every cluster's endpoints", Hint: rerunSetup,
			Severity: steps.Error, After: checks, Run: func(context.Context, func(string)) (steps.Result, error) { return v.mesh() }})
	}
	if opts.Sample && !opts.KeepSample {
		after := append(append([]steps.Ref(nil), checks...), steps.Ref{ID: IDMesh})
		if len(clients) < 2 {
			after = checks
		}
		for _, c := range clients {
			plan = append(plan, steps.Step{ID: IDSampleCleanup, Title: "the sample is removed", Cluster: c.Context, Severity: steps.Warning,
				Timeout: 3 * time.Minute, After: after, Run: func(ctx context.Context, _ func(string)) (steps.Result, error) {
					if err := sample.Remove(ctx, c.Kube); err != nil {
						return steps.Result{}, err
					}
					return steps.Result{Message: "namespace " + sample.Namespace + " deleted"}, nil
				}})
		}
	}
	return plan
}

type verifier struct {
	opts    Options
	st      *state
	clients []*kube.Client
}

func (v *verifier) cluster(ctx context.Context, c *kube.Client) (steps.Result, error) {
	cl, err := readCluster(ctx, c)
	if err != nil {
		return steps.Result{}, err
	}
	for _, host := range v.opts.Services {
		if err := readEndpoints(ctx, c, cl, host); err != nil {
			return steps.Result{}, err
		}
	}
	v.st.set(cl)
	role := "remote"
	if cl.Primary {
		role = "primary"
	} else if cl.ControlPlane != "" {
		role += " of " + cl.ControlPlane
	}
	network := cl.Network
	if network == "" {
		network = "(no network label)"
	}
	if want, ok := v.opts.Networks[c.Context]; ok && want != cl.Network {
		return steps.Result{Details: cl}, fmt.Errorf("cluster %s: istio-system is labelled topology.istio.io/network=%q but the mesh config puts it on %q: istiod hands its endpoints out as if it were on %q",
			cl.Name, cl.Network, want, cl.Network)
	}
	return steps.Result{Message: fmt.Sprintf("cluster %s, %s, network %s", cl.Name, role, network), Details: cl}, nil
}

func (v *verifier) deploySample(ctx context.Context, c *kube.Client, version string) (steps.Result, error) {
	ips, err := sample.Deploy(ctx, c.Kube, version)
	if err != nil {
		return steps.Result{}, err
	}
	if cl := v.st.get(c.Context); cl != nil {
		v.st.mu.Lock()
		cl.Endpoints[sample.Host] = ips
		v.st.mu.Unlock()
	}
	return steps.Result{Message: fmt.Sprintf("%s-%s ready, pod %s", sample.Service, version, strings.Join(ips, ", "))}, nil
}

// others lists the facts of every selected cluster but c.
func (v *verifier) others(c *kube.Client) []*Cluster {
	var out []*Cluster
	for _, o := range v.clients {
		if cl := v.st.get(o.Context); o.Context != c.Context && cl != nil {
			out = append(out, cl)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// istiodSync reaches the cluster's istiod and waits (up to Settle) until it
// has synced every other cluster and holds every cluster's endpoints, then
// reports which clusters it reads and how.
func (v *verifier) istiodSync(ctx context.Context, c *kube.Client) (steps.Result, error) {
	cl := v.st.get(c.Context)
	if cl == nil {
		return steps.Result{}, steps.Skip("the cluster's facts could not be read")
	}
	if !cl.Primary {
		return steps.Result{}, steps.Skip("no istiod here: a remote, read by the primaries' istiod")
	}
	base, done, err := v.opts.Reacher.Reach(ctx, c)
	if err != nil {
		return steps.Result{}, steps.WithHint(fmt.Errorf("cannot reach istiod in %s: %w", c.Context, err),
			"on a real cluster meshwiz port-forwards to a ready istiod pod (needs pods/portforward); on a test bed give --istiod-address "+c.Context+"=127.0.0.1:PORT")
	}
	defer done()
	g, err := newGetter(base)
	if err != nil {
		return steps.Result{}, err
	}
	deadline := time.Now().Add(v.opts.Settle)
	var ist *Istiod
	for {
		if ist, err = readIstiod(ctx, g, v.opts.Services); err != nil {
			return steps.Result{}, fmt.Errorf("reading istiod in %s: %w", c.Context, err)
		}
		if len(v.syncProblems(cl, ist)) == 0 && len(v.endpointProblems(cl, ist)) == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return steps.Result{}, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	v.st.mu.Lock()
	cl.Istiod = ist
	v.st.mu.Unlock()
	var reads []string
	for _, s := range ist.Clusters {
		reads = append(reads, s.ID+" ("+s.SyncStatus+")")
	}
	msg := "reads " + strings.Join(reads, ", ")
	if len(reads) == 0 {
		msg = "reads no other cluster"
	}
	if probs := v.syncProblems(cl, ist); len(probs) > 0 {
		return steps.Result{Message: msg, Details: ist.Clusters}, fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	return steps.Result{Message: msg, Details: ist.Clusters}, nil
}

// syncProblems names every other selected cluster this istiod does not read
// or has not synced, with the reason.
func (v *verifier) syncProblems(cl *Cluster, ist *Istiod) []string {
	var out []string
	for _, o := range v.others(&kube.Client{Context: cl.Context}) {
		s := ist.sync(o.Name)
		switch {
		case s.ID == "":
			out = append(out, fmt.Sprintf("istiod in %s does not read %s: no remote secret for it in %s's istio-system", cl.Name, o.Name, cl.Name))
		case s.SyncStatus != "synced":
			out = append(out, fmt.Sprintf("istiod in %s has not synced %s (%s, secret %s): the API server address in the secret is unreachable from istiod, or its token is rejected",
				cl.Name, o.Name, s.SyncStatus, s.SecretName))
		}
	}
	return out
}
