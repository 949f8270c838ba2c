package testbed

import (
	"slices"
	"strings"
	"testing"
)

// TestControllerManagerFlags: extra flags replace the bed's of the same name
// and the bed's own identity, keys and ports cannot be overridden.
func TestControllerManagerFlags(t *testing.T) {
	got := withFlags([]string{"--controllers=" + kcmControllers, "--leader-elect=false"}, []string{"--controllers=*,-serviceaccount-token"})
	if !slices.Equal(got, []string{"--leader-elect=false", "--controllers=*,-serviceaccount-token"}) {
		t.Errorf("withFlags = %v", got)
	}
	if _, err := normalized([]ClusterSpec{{ControllerManagerFlags: []string{"--controllers=*,-serviceaccount-token"}}}); err != nil {
		t.Errorf("a --controllers flag was refused: %v", err)
	}
	for _, bad := range []string{"--secure-port=10257", "--service-account-private-key-file=/x", "controllers=*"} {
		if _, err := normalized([]ClusterSpec{{ControllerManagerFlags: []string{bad}}}); err == nil || !strings.Contains(err.Error(), "ControllerManagerFlags") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
