package tui

import (
	"context"
	"path/filepath"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// flow is what the user chose on the start screen.
type flow int

const (
	flowSetup       flow = iota // guided setup
	flowDiagnostics             // the prerequisite checks only
	flowTeardown                // remove a mesh
)

// String names the flow as the screens say it.
func (f flow) String() string {
	return [...]string{"guided setup", "diagnostics", "teardown"}[f]
}

// session is what the wizard has learned so far. The root model owns it and
// every screen holds a pointer to it: a screen reads it in enter and changes
// it only in Update (never in a Cmd, which runs on another goroutine), so
// going back and forth between screens keeps what was entered.
type session struct {
	ctx    context.Context // cancelled when the wizard quits
	loader kube.Loader
	opts   Options

	flow flow
	// contexts are the kubeconfig contexts chosen on the contexts screen,
	// in kubeconfig order.
	contexts []kube.Context
	// clients holds one client bundle per chosen context, built in a Cmd
	// when the contexts are chosen.
	clients map[string]*kube.Client
	// cfg is the mesh being described; the topology, security and injection
	// screens edit it. It is always defaulted; Validate says whether it is
	// complete.
	cfg *mesh.Config
	// allowLoopback accepts loopback API server addresses in remote secrets
	// (clusters on this machine); the checks screen sets it on request and
	// the install reports it.
	allowLoopback bool
	// loopbackByKey says allowLoopback came from pressing L on the checks
	// screen, not from --allow-loopback-servers: the warning says which.
	loopbackByKey bool
	// runs is the number of the last run handed out by newRun.
	runs int
	// checks is the last complete run of the prerequisite checks.
	checks *steps.Summary
	// acked are the warnings acknowledged on the checks screen, by step ref.
	acked map[steps.Ref]bool
	// configPath is where the review screen saved the mesh config ("" until
	// it did).
	configPath string
	// exportDir is where the review screen exported the plan ("" until it
	// did).
	exportDir string
	// caMessage says what the install did about certificates (generated,
	// reused or loaded, with the root's fingerprint).
	caMessage string
	// installed is the install's outcome, for the summary screen.
	installed *steps.Summary
}

func newSession(ctx context.Context, opts Options) *session {
	return &session{ctx: ctx, loader: opts.Loader, opts: opts, allowLoopback: opts.AllowLoopbackServers,
		acked: map[steps.Ref]bool{}}
}

// choose records the chosen contexts and fits the mesh config to them:
// clusters still chosen keep what was entered for them, new ones get
// defaults (names derived from the context names), dropped ones go.
func (s *session) choose(contexts []kube.Context) {
	s.contexts = contexts
	if s.cfg == nil {
		s.cfg = &mesh.Config{}
		switch {
		case s.opts.CADir != "":
			s.cfg.Security.CA.Dir = s.opts.CADir
		case s.opts.Dir != "":
			s.cfg.Security.CA.Dir = filepath.Join(s.opts.Dir, filepath.Base(mesh.DefaultCADir))
		}
	}
	var kept []mesh.Cluster
	for _, c := range contexts {
		i := slices.IndexFunc(s.cfg.Clusters, func(cl mesh.Cluster) bool { return cl.Context == c.Name })
		if i >= 0 {
			kept = append(kept, s.cfg.Clusters[i])
		} else {
			kept = append(kept, mesh.Cluster{Context: c.Name})
		}
	}
	s.cfg.Clusters = kept
	s.cfg.Default()
}

// clientsReadyMsg carries the client bundles of the chosen contexts.
type clientsReadyMsg struct {
	clients map[string]*kube.Client
	err     error
}

// buildClients builds a client bundle per context in a Cmd: it reads the
// kubeconfig.
func buildClients(l kube.Loader, contexts []kube.Context) tea.Cmd {
	return func() tea.Msg {
		out := map[string]*kube.Client{}
		for _, c := range contexts {
			cl, err := l.NewClient(c.Name)
			if err != nil {
				return clientsReadyMsg{err: err}
			}
			out[c.Name] = cl
		}
		return clientsReadyMsg{clients: out}
	}
}

// setup is the setup action for cfg with the wizard's choices: the checks
// screen runs its CheckPlan, the install screen its Run (with SkipChecks,
// as the checks already ran) - one action, as `meshwiz setup` runs it.
func (s *session) setup(cfg *mesh.Config) *action.Setup {
	return &action.Setup{Config: cfg, Clients: s.clients, KeyBits: installKeyBits(s), Checks: s.checkOptions()}
}

// loopbackByL is how the checks word a loopback acceptance made with L.
const loopbackByL = "L was pressed on the checks screen"

// checkOptions are the choices of a check run made in the wizard: the
// loopback acceptance, worded for where it was made (flag or L key).
func (s *session) checkOptions() checks.MeshOptions {
	o := checks.MeshOptions{AllowLoopbackServers: s.allowLoopback}
	if s.loopbackByKey {
		o.LoopbackAcceptedBy = loopbackByL
	}
	return o
}
