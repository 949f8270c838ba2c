package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// SandboxFile is the file the sandbox (hack/sandbox) writes beside its
// kubeconfig while it runs real istiod processes: each one's cluster and
// debug address.
const SandboxFile = "istiod.json"

// SandboxList is SandboxFile's content.
type SandboxList struct {
	Istiods []SandboxIstiod `json:"istiods"`
}

// SandboxIstiod is one real istiod the sandbox runs as a local process.
type SandboxIstiod struct {
	// Context is the kubeconfig context; Server its API server URL.
	Context string `json:"context"`
	Server  string `json:"server"`
	// Address is istiod's debug (HTTP) address, 127.0.0.1:PORT.
	Address string `json:"address"`
}

// Sandbox reaches the istiod of a sandbox cluster at the local process the
// sandbox published, matched by the cluster's API server URL (so a renamed
// context still matches and a real cluster never does); any other cluster
// goes through Fallback (default PortForward{}).
type Sandbox struct {
	// File is the SandboxFile read; Addresses maps API server URL → address.
	File      string
	Addresses map[string]string
	Fallback  Reacher
}

// Reach returns the sandbox's address for c, else Fallback's way.
func (s *Sandbox) Reach(ctx context.Context, c *kube.Client) (string, func(), error) {
	if addr, ok := s.Addresses[c.Server]; ok {
		return "http://" + addr, func() {}, nil
	}
	fb := s.Fallback
	if fb == nil {
		fb = PortForward{}
	}
	return fb.Reach(ctx, c)
}

// LoadSandbox reads the SandboxFile beside the first of the kubeconfig
// files (kube.Loader.Files) that has one. It returns nil (and no error) when none has, or when
// the list is empty (no istiod runs).
func LoadSandbox(kubeconfigs []string) (*Sandbox, error) {
	for _, kc := range kubeconfigs {
		path := filepath.Join(filepath.Dir(kc), SandboxFile)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the sandbox's istiod list %s: %w", path, err)
		}
		var l SandboxList
		if err := json.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("the sandbox's istiod list %s: %w (restart the sandbox: make sandbox-down sandbox)", path, err)
		}
		if len(l.Istiods) == 0 {
			return nil, nil
		}
		s := &Sandbox{File: path, Addresses: map[string]string{}}
		for _, i := range l.Istiods {
			s.Addresses[i.Server] = i.Address
		}
		return s, nil
	}
	return nil, nil
}
