package kube

import (
	"context"
	"time"
)

// DefaultProbeTimeout bounds a reachability probe of one context.
const DefaultProbeTimeout = 5 * time.Second

// Probe is the result of asking one context's API server for its version with
// the kubeconfig's credentials.
type Probe struct {
	Context string        `json:"context"`
	Server  string        `json:"server"`
	Version string        `json:"version,omitempty"`
	Reason  Reason        `json:"reason,omitempty"`
	Err     error         `json:"-"`
	Took    time.Duration `json:"took"`
}

// Reachable reports whether the API server answered.
func (p Probe) Reachable() bool { return p.Err == nil }

// Hint says what to do when the probe failed.
func (p Probe) Hint() string { _, _, h := Classify(p.Err); return h }

// Probe checks that the context's API server answers /version with the
// kubeconfig's credentials, within timeout (DefaultProbeTimeout when zero).
// It never returns an error: failures are in Probe.Err, classified in
// Probe.Reason.
func (l Loader) Probe(ctx context.Context, contextName string, timeout time.Duration) Probe {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	start := time.Now()
	p := Probe{Context: contextName}
	c, err := l.NewClient(contextName)
	if err != nil {
		p.Err, p.Reason, p.Took = err, ReasonInvalidConfig, time.Since(start)
		return p
	}
	p.Server = c.Server
	v, err := c.ServerVersion(ctx, timeout)
	if err != nil {
		p.Err = err
		p.Reason, _, _ = Classify(err)
	} else {
		p.Version = v.GitVersion
	}
	p.Took = time.Since(start)
	return p
}
