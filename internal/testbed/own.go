package testbed

import (
	"context"
	"net"
	"testing"
	"time"
)

// ownStartTimeout bounds Own's start of a bed.
const ownStartTimeout = 5 * time.Minute

// Own starts a bed of the test's own with clusters specs (the shared bed of
// Main is left alone), logging to tb, and stops it when the test ends. A
// failed start fails the test.
func Own(tb testing.TB, specs ...ClusterSpec) *Bed {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ownStartTimeout)
	defer cancel()
	b, err := Start(ctx, Options{Clusters: specs, Logf: tb.Logf})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := b.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return b
}

// ClosedURL returns an https URL of a loopback port where nothing listens
// (it listened a moment ago): a server that refuses connections.
func ClosedURL(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "https://" + addr
}
