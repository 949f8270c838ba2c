package checks

import (
	"slices"
	"testing"
)

// The API server address check names the contexts whose server is this
// machine as data (ServerAddresses.Loopback), so a UI can offer to accept
// them without reading the message.
func TestServerAddressesDetailsNameTheLoopbackContexts(t *testing.T) {
	b := bed(t)
	cls := clusters(t, b, "good", "poddup")
	details := func(opts Options) *ServerAddresses {
		t.Helper()
		e := run(t, opts)["mesh/api-server-address"]
		d, ok := e.Details.(*ServerAddresses)
		if !ok {
			t.Fatalf("details are %T, want *ServerAddresses", e.Details)
		}
		return d
	}
	d := details(Options{Clusters: cls, MultiNetwork: true})
	if !slices.Equal(d.Loopback, []string{"good", "poddup"}) || len(d.Servers) != 2 || d.Servers["good"] == "" {
		t.Errorf("loopback servers: %+v", d)
	}
	cls[0].Server = "https://203.0.113.10:6443" // data only: never dialled
	cls[1].Server = "https://localhost:6443"
	if d := details(Options{Clusters: cls, MultiNetwork: true}); !slices.Equal(d.Loopback, []string{"poddup"}) {
		t.Errorf("localhost and a routable address: %+v", d)
	}
	cls[1].Server = "https://169.254.10.1:6443"
	if d := details(Options{Clusters: cls, MultiNetwork: true}); len(d.Loopback) != 0 {
		t.Errorf("link-local is not loopback: %+v", d)
	}
}
