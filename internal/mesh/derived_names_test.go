package mesh

import (
	"strings"
	"testing"
)

// TestRemoteSecretNameRoundTrips: the cluster a remote secret is for is read
// back from its name by the same rule that wrote it; another name is kept.
func TestRemoteSecretNameRoundTrips(t *testing.T) {
	for _, name := range []string{"east", "a--b", "istio-remote-secret-x"} {
		if got := RemoteSecretCluster(RemoteSecretName(name)); got != name {
			t.Errorf("RemoteSecretCluster(RemoteSecretName(%q)) = %q", name, got)
		}
	}
	if got := RemoteSecretCluster("hand-made"); got != "hand-made" {
		t.Errorf("RemoteSecretCluster(hand-made) = %q, want the name itself", got)
	}
}

// TestNetworkForIsALabel: a per-cluster network is "network-<name>", cut to
// a DNS-1123 label without a trailing dash.
func TestNetworkForIsALabel(t *testing.T) {
	if got := NetworkFor("a--b"); got != "network-a--b" {
		t.Errorf("NetworkFor(a--b) = %q", got)
	}
	long := NetworkFor(strings.Repeat("x", 54) + "-yz")
	if len(long) > maxLabel || strings.HasSuffix(long, "-") || CheckName(long) != nil {
		t.Errorf("NetworkFor(long) = %q (%d characters), want a label", long, len(long))
	}
}
