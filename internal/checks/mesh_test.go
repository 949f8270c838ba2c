package checks

import (
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

func TestCIDROverlapMatrix(t *testing.T) {
	b := bed(t)
	same := run(t, Options{Clusters: clusters(t, b, "good", "svcdup", "poddup"), AllowLoopbackServers: true})
	expect(t, same, "mesh/pod-cidr-overlap", steps.Failed, "good pods and poddup pods share 10.244.0.0-10.244.0.255")
	expect(t, same, "mesh/service-cidr-overlap", steps.Failed, "good services and svcdup services/pods share 127.96.0.0-127.96.255.255")
	if e := same["mesh/pod-cidr-overlap"]; e.Severity != steps.Fatal {
		t.Errorf("overlap on one network has severity %s, want fatal", e.Severity)
	}
	mx, ok := same["mesh/pod-cidr-overlap"].Details.(*Matrix)
	if !ok {
		t.Fatalf("pod overlap details are %T, want *Matrix", same["mesh/pod-cidr-overlap"].Details)
	}
	text := strings.Join(mx.Lines(), "\n")
	if mx.Cells[0][2] == "ok" || mx.Cells[0][1] != "ok" || !strings.Contains(text, "OVERLAP") {
		t.Errorf("matrix:\n%s\n%v", text, mx.Cells)
	}

	multi := run(t, Options{Clusters: clusters(t, b, "good", "svcdup", "poddup"), MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, multi, "mesh/pod-cidr-overlap", steps.Noted, "share")
	expect(t, multi, "mesh/service-cidr-overlap", steps.Noted, "share")

	clean := run(t, Options{Clusters: clusters(t, b, "good", "noadm"), AllowLoopbackServers: true})
	expect(t, clean, "mesh/pod-cidr-overlap", steps.Passed, "2 clusters compared")
	expect(t, clean, "mesh/service-cidr-overlap", steps.Passed, "2 clusters compared")
}

func TestServiceRangeSources(t *testing.T) {
	b := bed(t)
	sr, err := NewFacts(bedtest.Client(t, b, "good")).ServiceRange(t.Context())
	if err != nil || sr.Source != SourceServiceCIDRAPI || len(sr.CIDRs) != 1 || sr.CIDRs[0] != "127.96.0.0/16" {
		t.Errorf("ServiceRange = %+v, %v", sr, err)
	}
	if got := flagValue([]string{"kube-apiserver", "--service-cluster-ip-range=10.96.0.0/12,fd00::/108"}, "--service-cluster-ip-range"); got != "10.96.0.0/12,fd00::/108" {
		t.Errorf("flagValue = %q", got)
	}
}

func TestDuplicateClusterUnderTwoContexts(t *testing.T) {
	b := bed(t)
	raw, err := clientcmd.LoadFromFile(b.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	again := *raw.Contexts["good"]
	raw.Contexts["good-again"] = &again
	path := filepath.Join(t.TempDir(), "dup.kubeconfig")
	if err := clientcmd.WriteToFile(*raw, path); err != nil {
		t.Fatal(err)
	}
	l := kube.Loader{Kubeconfig: path}
	var cls []Cluster
	for _, name := range []string{"good", "good-again", "poddup"} {
		c, err := l.NewClient(name)
		if err != nil {
			t.Fatal(err)
		}
		cls = append(cls, Cluster{Client: c, Name: name})
	}
	got := run(t, Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/duplicate-cluster", steps.Failed, "good and good-again are the same cluster", "kube-system UID")
	// A context that may not read kube-system is still recognised by its server and CA.
	got = run(t, Options{Clusters: clusters(t, b, "good", "good-restricted"), MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/duplicate-cluster", steps.Failed, "good and good-restricted are the same cluster", "same CA")
	got = run(t, Options{Clusters: clusters(t, b, "good", "poddup"), MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/duplicate-cluster", steps.Passed, "2 distinct clusters")
}

func TestClusterNames(t *testing.T) {
	b := bed(t)
	cls := clusters(t, b, "good", "poddup", "noadm")
	cls[0].Name, cls[1].Name, cls[2].Name = "Kubernetes", "east", "east"
	got := run(t, Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/cluster-names", steps.Failed, "Istio's default cluster name", `"east" is used by contexts poddup and noadm`)
	cls[0].Name, cls[1].Name, cls[2].Name = "Under_Score", "east", "west"
	got = run(t, Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/cluster-names", steps.Failed, "not a DNS-1123 label")
	cls[0].Name = "north"
	got = run(t, Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/cluster-names", steps.Passed, "east, north, west")
}

func TestAPIServerAddressForRemoteSecrets(t *testing.T) {
	b := bed(t)
	cls := clusters(t, b, "good", "poddup")
	got := run(t, Options{Clusters: cls, MultiNetwork: true})
	expect(t, got, "mesh/api-server-address", steps.Failed, "context good https://127.0.0.1", "context poddup", "loopback addresses")
	// Accepted knowingly: the warning says where the choice was made.
	got = run(t, Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/api-server-address", steps.Warned, "accepted because --allow-loopback-servers is set")
	got = run(t, Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true, LoopbackAcceptedBy: "L was pressed on the checks screen"})
	expect(t, got, "mesh/api-server-address", steps.Warned, "accepted because L was pressed on the checks screen")
	cls[0].Server = "https://203.0.113.10:6443" // data only: never dialled
	cls[1].Server = "https://localhost:6443"
	got = run(t, Options{Clusters: cls, MultiNetwork: true})
	expect(t, got, "mesh/api-server-address", steps.Failed, "context poddup", "localhost")
	if strings.Contains(got["mesh/api-server-address"].Message, "context good") {
		t.Errorf("the overridden address was judged bad: %s", got["mesh/api-server-address"].Message)
	}
	cls[1].Server = "https://api.poddup.example:6443"
	got = run(t, Options{Clusters: cls, MultiNetwork: true})
	expect(t, got, "mesh/api-server-address", steps.Passed, "2 addresses usable")
	cls[1].Server = "https://169.254.10.1:6443"
	got = run(t, Options{Clusters: cls, MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/api-server-address", steps.Failed, "link-local")
}

func TestTrustRootsAndConsistency(t *testing.T) {
	b := bed(t)
	got := run(t, Options{Clusters: clusters(t, b, "svcdup", "poddup"), MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/trust-roots", steps.Failed, "roots differ", "svcdup: sha256", "poddup: sha256")
	expect(t, got, "mesh/istio-consistency", steps.Failed, "trust domains differ", "other.local (svcdup)", "cluster.local (poddup)")
	got = run(t, Options{Clusters: clusters(t, b, "good", "svcdup"), MultiNetwork: true, AllowLoopbackServers: true})
	expect(t, got, "mesh/trust-roots", steps.Passed, "1 cluster(s) share root")
	expect(t, got, "mesh/istio-consistency", steps.Passed, "other.local")
	got = run(t, Options{Clusters: clusters(t, b, "good"), AllowLoopbackServers: true})
	expect(t, got, "mesh/trust-roots", steps.Skipped, "no cluster has a cacerts")
	expect(t, got, "mesh/istio-consistency", steps.Skipped, "no existing Istio")
}

func TestSkipAndBadOptions(t *testing.T) {
	b := bed(t)
	got := run(t, Options{Clusters: clusters(t, b, "good"), Skip: []string{"cluster/rbac", "mesh/trust-roots"}, AllowLoopbackServers: true})
	expect(t, got, "cluster/rbac@good", steps.Skipped, "--skip cluster/rbac")
	expect(t, got, "mesh/trust-roots", steps.Skipped, "--skip")
	if _, err := Plan(Options{Clusters: clusters(t, b, "good"), Skip: []string{"no/such"}}); err == nil || !strings.Contains(err.Error(), "not a check ID") {
		t.Errorf("unknown --skip: %v", err)
	}
	if _, err := Plan(Options{}); err == nil {
		t.Error("a plan without clusters was accepted")
	}
}
