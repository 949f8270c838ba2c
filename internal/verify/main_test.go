package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// The package's bed, shared by the layouts: east and west (multi-primary on
// two networks), hub and spoke (primary-remote on one network; spoke's istiod
// Service points at hub's gateway address, which may not be loopback).
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "east"}, {Name: "west"},
		{Name: "hub", LoadBalancerNet: "203.0.113.0/24"}, {Name: "spoke"},
	}})
}

// layout is one mesh set up through the engine on clusters of the bed.
type layout struct {
	cfg     *mesh.Config
	clients []*kube.Client
}

// newLayout builds a defaulted, valid config for the contexts; roles and
// networks may be adjusted by edit before it is validated.
func newLayout(t *testing.T, model mesh.Model, multiNetwork bool, edit func(*mesh.Config), contexts ...string) *layout {
	t.Helper()
	cfg := &mesh.Config{APIVersion: mesh.APIVersion, Kind: mesh.Kind, Model: model}
	for _, c := range contexts {
		cl := mesh.Cluster{Context: c, Name: c}
		if multiNetwork {
			cl.Network = "net-" + c
		}
		cfg.Clusters = append(cfg.Clusters, cl)
	}
	cfg.Security.CA.Dir = t.TempDir()
	if edit != nil {
		edit(cfg)
	}
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	l := &layout{cfg: cfg}
	for _, c := range contexts {
		client, err := kube.Loader{Kubeconfig: testbed.Shared().Kubeconfig}.NewClient(c)
		if err != nil {
			t.Fatal(err)
		}
		l.clients = append(l.clients, client)
	}
	return l
}

// setup runs meshwiz's install plan for the layout and fails on any failed step.
func (l *layout) setup(ctx context.Context) error {
	env := install.Env{Clients: map[string]*kube.Client{}, Certs: map[string]*certs.Intermediate{},
		HelmTimeout: 3 * time.Minute, AddressTimeout: 2 * time.Minute}
	var names []string
	for i, cl := range l.cfg.Clusters {
		env.Clients[cl.Context] = l.clients[i]
		names = append(names, cl.Name)
	}
	_, inters, _, err := certs.EnsureDir(l.cfg.Security.CA.Dir, names, certs.Options{KeyBits: 2048})
	if err != nil {
		return err
	}
	for _, in := range inters {
		env.Certs[in.Cluster] = in
	}
	plan, err := install.Plan(l.cfg, env)
	if err != nil {
		return err
	}
	sum, err := steps.Run(ctx, plan, nil)
	if err != nil {
		return err
	}
	if sum.Failed() {
		return &failedRun{sum}
	}
	return nil
}

type failedRun struct{ sum steps.Summary }

func (f *failedRun) Error() string {
	msg := "setup failed:"
	for _, e := range f.sum.Steps {
		if e.Status == steps.Failed {
			msg += "\n  " + e.Step.String() + ": " + e.Message
		}
	}
	return msg
}
