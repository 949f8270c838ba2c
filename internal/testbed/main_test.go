package testbed_test

import (
	"context"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// The bed of this package: three clusters started in one call. "c" shares
// "a"'s service CIDR on purpose (overlapping ranges must work).
var sharedSpecs = []testbed.ClusterSpec{
	{Name: "a", Nodes: 2, RestrictedUser: true},
	{Name: "b"},
	{Name: "c", ServiceCIDR: "127.96.0.0/16"},
}

func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: sharedSpecs})
}

// ctx returns a context bounded by d and cancelled at the end of the test.
func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return c
}

// eventually polls cond every 100 ms until it returns true or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(d)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not true after %v (last error: %v)", what, d, lastErr)
}
