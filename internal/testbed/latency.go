package testbed

import (
	"net/http"
	"time"
)

// WithLatency returns a transport wrapper (for rest.Config.Wrap) that holds
// every request for rtt before sending it: loopback clusters then cost what
// distant API servers cost in round trips, for benchmarks.
func WithLatency(rtt time.Duration) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper { return delayed{next: next, rtt: rtt} }
}

type delayed struct {
	next http.RoundTripper
	rtt  time.Duration
}

func (t delayed) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-time.After(t.rtt):
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return t.next.RoundTrip(r)
}

// WrappedRoundTripper lets client-go reach the transport underneath.
func (t delayed) WrappedRoundTripper() http.RoundTripper { return t.next }
