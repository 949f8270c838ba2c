package kube

import (
	"context"
	"errors"
	"time"
)

// DefaultProbeTimeout bounds a reachability probe of one context.
const DefaultProbeTimeout = 5 * time.Second

// MaxConcurrentProbes bounds how many probes run at once in a process (the
// contexts command and the wizard's clusters screen): 500 contexts must not
// mean 500 TLS handshakes and exec plugins at the same moment.
const MaxConcurrentProbes = 32

var probeSlots = make(chan struct{}, MaxConcurrentProbes)

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

// Hint says what to do when the probe failed, naming the kubeconfig entry
// when the error knows it.
func (p Probe) Hint() string {
	var ce *ContextError
	if errors.As(p.Err, &ce) {
		return ce.Hint()
	}
	_, _, h := Classify(p.Err)
	return h
}

// Probe checks that the context's API server answers /version with the
// kubeconfig's credentials, within timeout (DefaultProbeTimeout when zero).
// The timeout covers the whole probe — building the client, running an exec
// credential plugin (killed when it passes), the request — but not the wait
// for one of the MaxConcurrentProbes slots. It never returns an error:
// failures are in Probe.Err, classified in Probe.Reason.
func (l Loader) Probe(ctx context.Context, contextName string, timeout time.Duration) Probe {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	p := Probe{Context: contextName}
	select {
	case probeSlots <- struct{}{}:
		defer func() { <-probeSlots }()
	case <-ctx.Done():
		p.Err, p.Reason = ctx.Err(), ReasonCanceled
		return p
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := l.NewClient(contextName)
	if err != nil {
		p.Err, p.Took = err, time.Since(start)
		if p.Reason, _, _ = Classify(err); p.Reason == ReasonUnclassified {
			p.Reason = ReasonInvalidConfig
		}
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
