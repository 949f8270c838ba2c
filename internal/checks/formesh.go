package checks

import (
	"time"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// MeshOptions are the choices of a check run besides the mesh config.
type MeshOptions struct {
	// AllowLoopbackServers accepts loopback API server addresses (sandbox
	// clusters on one machine); reported as a warning.
	AllowLoopbackServers bool
	// LoopbackAcceptedBy says where that was chosen (Options.LoopbackAcceptedBy).
	LoopbackAcceptedBy string
	// Skip lists check IDs not to run.
	Skip []string
	// SkipFatal acknowledges that Skip names fatal checks (Options.SkipFatal).
	SkipFatal bool
	// TokenProbeWait bounds cluster/reader-token's probe (Options.TokenProbeWait).
	TokenProbeWait time.Duration
}

// ForMesh is the prerequisite plan for a defaulted, valid mesh config:
// what `meshwiz setup` runs before touching anything and what the wizard's
// checks screen shows. clients holds one bundle per context of cfg.
func ForMesh(cfg *mesh.Config, clients map[string]*kube.Client, o MeshOptions) ([]steps.Step, error) {
	opts := Options{MultiNetwork: cfg.MultiNetwork(), IstioVersion: cfg.Istio.Version,
		AllowLoopbackServers: o.AllowLoopbackServers, LoopbackAcceptedBy: o.LoopbackAcceptedBy, Skip: o.Skip, SkipFatal: o.SkipFatal, TokenProbeWait: o.TokenProbeWait}
	for _, cl := range cfg.Clusters {
		opts.Clusters = append(opts.Clusters, Cluster{Client: clients[cl.Context], Name: cl.Name, Network: cl.Network, Server: cl.Server})
	}
	return Plan(opts)
}
