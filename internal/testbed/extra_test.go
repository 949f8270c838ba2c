package testbed_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// servesGroupVersion reports whether discovery lists groupVersion.
func servesGroupVersion(t *testing.T, c *testbed.Cluster, groupVersion string) bool {
	t.Helper()
	groups, err := c.Clientset().Discovery().ServerGroups()
	if err != nil {
		t.Fatalf("cluster %s: discovery: %v", c.Name, err)
	}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			if v.GroupVersion == groupVersion {
				return true
			}
		}
	}
	return false
}

// TestSeparateBed starts a second, one-cluster bed inside a test: without
// admissionregistration.k8s.io/v1 and with a bogus kubeconfig server address.
// It also proves that Stop leaves no process behind.
func TestSeparateBed(t *testing.T) {
	t.Parallel() // overlaps its start-up with the other tests
	const gv = "admissionregistration.k8s.io/v1"
	const bogus = "https://no-such-host.invalid:6443"
	start := time.Now()
	b, err := testbed.Start(ctx(t, 3*time.Minute), testbed.Options{
		Clusters: []testbed.ClusterSpec{{
			Name:           "x",
			APIServerFlags: []string{"--runtime-config=" + gv + "=false"},
			ServerAddress:  bogus,
		}},
		Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1-cluster bed started in %v", time.Since(start).Round(time.Millisecond))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = b.Stop()
		}
	})
	x := b.Cluster("x")

	t.Run("AdmissionRegistrationOff", func(t *testing.T) {
		if servesGroupVersion(t, x, gv) {
			t.Errorf("cluster x serves %s although --runtime-config switched it off", gv)
		}
		if !servesGroupVersion(t, testbed.MustShared(t).Cluster("a"), gv) {
			t.Errorf("cluster a does not serve %s", gv)
		}
	})

	t.Run("ServerAddressOverride", func(t *testing.T) {
		if x.KubeconfigServer != bogus {
			t.Errorf("KubeconfigServer %q, want %q", x.KubeconfigServer, bogus)
		}
		if !strings.HasPrefix(x.Server, "https://127.0.0.1:") {
			t.Errorf("Server %q is not the loopback address", x.Server)
		}
		raw, err := clientcmd.LoadFromFile(b.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		if got := raw.Clusters[raw.Contexts["x"].Cluster].Server; got != bogus {
			t.Errorf("kubeconfig server %q, want %q", got, bogus)
		}
		// The REST config comes from the PKI and the real address; the
		// bogus one is never dialled.
		if cfg := x.RESTConfig(); cfg.Host != x.Server {
			t.Errorf("RESTConfig().Host %q, want %q", cfg.Host, x.Server)
		}
		nodes, err := x.Clientset().CoreV1().Nodes().List(ctx(t, 10*time.Second), metav1.ListOptions{})
		if err != nil || len(nodes.Items) != 1 {
			t.Errorf("listing nodes through RESTConfig: %d nodes, err %v", len(nodes.Items), err)
		}
	})

	t.Run("StopLeavesNoProcess", func(t *testing.T) {
		pids := b.PIDs()
		if len(pids) != 5 { // etcd, apiserver, kcm, scheduler, kwok
			t.Errorf("%d PIDs (%v), want 5", len(pids), pids)
		}
		for _, pid := range pids {
			if syscall.Kill(pid, 0) != nil {
				t.Errorf("pid %d not running before Stop", pid)
			}
			// Every component runs with one P unless the caller says otherwise.
			env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
			if err != nil {
				t.Errorf("pid %d: %v", pid, err)
			}
			want := "GOMAXPROCS=1"
			if n := os.Getenv(testbed.GOMAXPROCSEnv); n != "" {
				want = "GOMAXPROCS=" + n
			}
			if vars := strings.Split(string(env), "\x00"); !slices.Contains(vars, want) {
				t.Errorf("pid %d runs without %s", pid, want)
			}
		}
		stopStart := time.Now()
		if err := b.Stop(); err != nil {
			t.Fatal(err)
		}
		stopped = true
		t.Logf("Stop took %v", time.Since(stopStart).Round(time.Millisecond))
		for _, pid := range pids {
			if err := syscall.Kill(pid, 0); err == nil {
				t.Errorf("pid %d still exists after Stop", pid)
			}
		}
		if _, err := os.Stat(b.Dir); !os.IsNotExist(err) {
			t.Errorf("work dir %s still exists after Stop (err %v)", b.Dir, err)
		}
		if err := b.Stop(); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	})
}

// TestBadInput needs no binaries: specs are checked before anything runs.
func TestBadInput(t *testing.T) {
	five := make([]testbed.ClusterSpec, 5)
	tests := []struct {
		name     string
		clusters []testbed.ClusterSpec
		want     string
	}{
		{"no clusters", nil, "0 clusters requested"},
		{"five clusters", five, "5 clusters requested"},
		{"non-loopback service CIDR", []testbed.ClusterSpec{{Name: "a", ServiceCIDR: "10.96.0.0/16"}}, "not inside 127.0.0.0/8"},
		{"service CIDR on the apiservers' /16", []testbed.ClusterSpec{{Name: "a", ServiceCIDR: "127.0.0.0/20"}}, "overlaps 127.0.0.0/16"},
		{"unparsable service CIDR", []testbed.ClusterSpec{{ServiceCIDR: "127.96.0.0"}}, "ServiceCIDR"},
		{"duplicate names", []testbed.ClusterSpec{{Name: "a"}, {Name: "a"}}, `context name "a" is already used`},
		{"restricted context collides", []testbed.ClusterSpec{{Name: "a", RestrictedUser: true}, {Name: "a-restricted"}}, "already used"},
		{"default name collides", []testbed.ClusterSpec{{Name: "c1"}, {}}, "already used"},
		{"bad name", []testbed.ClusterSpec{{Name: "East_1"}}, "invalid name"},
		{"negative nodes", []testbed.ClusterSpec{{Nodes: -1}}, "-1 nodes"},
		{"loopback pod CIDR", []testbed.ClusterSpec{{PodCIDR: "127.244.0.0/16"}}, "PodCIDR"},
		{"too many nodes for pod CIDR", []testbed.ClusterSpec{{PodCIDR: "10.1.0.0/23", Nodes: 3}}, "room for 2"},
		{"plain http server address", []testbed.ClusterSpec{{ServerAddress: "http://localhost:1"}}, "ServerAddress"},
		{"aggregator routing", []testbed.ClusterSpec{{APIServerFlags: []string{"--enable-aggregator-routing=true"}}}, "network rule"},
		{"flag without dashes", []testbed.ClusterSpec{{APIServerFlags: []string{"v=2"}}}, "does not start with --"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := testbed.Start(t.Context(), testbed.Options{Clusters: tt.clusters, BinDir: "/nonexistent"})
			if err == nil {
				_ = b.Stop()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
	// Valid specs fail on the missing binaries instead, without a work dir.
	_, err := testbed.Start(t.Context(), testbed.Options{Clusters: []testbed.ClusterSpec{{}}, BinDir: "/nonexistent"})
	if err == nil || !strings.Contains(err.Error(), "lacks executable") {
		t.Errorf("missing binaries: err = %v", err)
	}
}

// TestStartFailureNamesComponent: a component that dies makes Start fail
// with the cluster, the component and its log, and stop everything else.
func TestStartFailureNamesComponent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := testbed.Start(ctx(t, 2*time.Minute), testbed.Options{
		Clusters: []testbed.ClusterSpec{{Name: "bad", APIServerFlags: []string{"--no-such-flag=1"}}},
		Dir:      dir,
	})
	if err == nil {
		t.Fatal("Start succeeded with an unknown apiserver flag")
	}
	t.Logf("Start's error:\n%v", err)
	var ce *testbed.ComponentError
	if !errors.As(err, &ce) || ce.Cluster != "bad" || ce.Component != "kube-apiserver" {
		t.Fatalf("error is not a ComponentError for bad/kube-apiserver: %v", err)
	}
	for _, want := range []string{`cluster "bad"`, "kube-apiserver", "unknown flag: --no-such-flag"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if pids := testbed.RunningPIDs(dir); len(pids) > 0 {
		t.Errorf("processes %v still run after the failed Start", pids)
	}
	data, err := os.ReadFile(filepath.Join(dir, "pids"))
	if err != nil || len(strings.Fields(string(data))) < 6 { // etcd + apiserver lines
		t.Errorf("pids file: %q, %v", data, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		pid, _ := strconv.Atoi(strings.Fields(line)[0])
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("pid %d (%s) still exists", pid, line)
		}
	}
}
