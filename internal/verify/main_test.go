package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/install/installtest"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// The package's bed, shared by the layouts: east and west (multi-primary on
// two networks), hub and spoke (primary-remote on one network).
func TestMain(m *testing.M) {
	testbed.Main(m, bedtest.TwoMeshes())
}

// layout is one mesh set up through the engine on clusters of the bed.
type layout struct {
	cfg     *mesh.Config
	clients []*kube.Client
	env     install.Env
}

// newLayout builds a defaulted, valid config for the contexts; roles and
// networks may be adjusted by edit before it is validated.
func newLayout(t *testing.T, model mesh.Model, multiNetwork bool, edit func(*mesh.Config), contexts ...string) *layout {
	t.Helper()
	l := &layout{cfg: bedtest.EditedMesh(t, model, multiNetwork, edit, contexts...),
		clients: bedtest.Clients(t, testbed.Shared(), contexts...)}
	l.env = installtest.Env(t, testbed.Shared(), l.cfg)
	l.env.HelmTimeout, l.env.AddressTimeout = 3*time.Minute, 2*time.Minute
	for _, c := range l.clients {
		l.env.Clients[c.Context] = c
	}
	return l
}

// setup runs meshwiz's install plan for the layout; the error names the
// failed steps. It may run in a goroutine of its own.
func (l *layout) setup(ctx context.Context) error {
	sum, err := installtest.Run(ctx, l.cfg, l.env, nil)
	if err != nil {
		return err
	}
	return installtest.Failure(sum)
}
