package main

import (
	"strings"
	"testing"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// TestAddressNote: the ready message does not claim every address is
// loopback when east's load-balancer range is RFC 5737 data.
func TestAddressNote(t *testing.T) {
	got := addressNote([]*testbed.Cluster{
		{Context: "east", LoadBalancerNet: "203.0.113.0/24"},
		{Context: "west", LoadBalancerNet: "127.0.11.0/24"},
	})
	for _, want := range []string{"API servers and Services are on loopback", "east's load-balancer range 203.0.113.0/24 is RFC 5737 documentation space, data only"} {
		if !strings.Contains(got, want) {
			t.Errorf("note %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "all addresses are loopback") || strings.Contains(got, "west's") {
		t.Errorf("note %q", got)
	}
}
