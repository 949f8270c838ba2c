package main

// Integration tests: meshwiz contexts and meshwiz check against two real
// loopback clusters of the test bed. TestMain is per package, so the unit
// tests in main_test.go run in this binary too, next to the bed.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshwiz/meshwiz/internal/checks"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// bedVersion is the Kubernetes version hack/testbed/build.sh builds.
const bedVersion = "v1.34.4"

// TestMain starts one bed for the package: east and west, which the mesh
// tests install on, and lone, an idle cluster that stays outside every mesh.
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{{Name: "east"}, {Name: "west"}, {Name: "lone"}}})
}

// sharedBed returns east and west of the bed TestMain started, with a
// kubeconfig that names only them: what most tests need, as if lone were
// not there.
func sharedBed(t *testing.T) *testbed.Bed {
	t.Helper()
	bedWithLone(t)
	b, err := eastWest()
	if err != nil {
		t.Fatalf("the kubeconfig of east and west: %v", err)
	}
	return b
}

// bedWithLone returns the whole bed TestMain started: east, west and lone,
// all three in its kubeconfig.
func bedWithLone(t *testing.T) *testbed.Bed { return testbed.MustShared(t) }

// eastWest is the shared bed seen through its east and west clusters only,
// made once: its kubeconfig, beside the bed's, lacks lone's context.
var eastWest = sync.OnceValues(func() (*testbed.Bed, error) {
	full := testbed.Shared()
	cfg, err := clientcmd.LoadFromFile(full.Kubeconfig)
	if err != nil {
		return nil, err
	}
	lone := cfg.Contexts["lone"]
	if lone == nil {
		return nil, fmt.Errorf("the bed's kubeconfig %s has no context lone", full.Kubeconfig)
	}
	delete(cfg.Clusters, lone.Cluster)
	delete(cfg.AuthInfos, lone.AuthInfo)
	delete(cfg.Contexts, "lone")
	path := filepath.Join(full.Dir, "kubeconfig-east-west")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return nil, err
	}
	return &testbed.Bed{Kubeconfig: path, Dir: full.Dir, Clusters: []*testbed.Cluster{full.Cluster("east"), full.Cluster("west")}}, nil
})

// probeTimeout replaces the contexts command's 5 s default, so that a loaded
// machine (two cores, -race) does not turn a slow answer into "unreachable".
const probeTimeout = "30s"

func TestContextsJSONListsBothReachable(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "contexts", "-o", "json", "--kubeconfig", b.Kubeconfig, "--timeout", probeTimeout)
	r.wantCode(t, exitOK)
	var doc struct {
		Contexts []contextRow `json:"contexts"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("contexts -o json is not JSON: %v\n%s", err, r.out)
	}
	var names []string
	for _, row := range doc.Contexts {
		names = append(names, row.Name)
		c := b.Cluster(row.Name)
		if c == nil {
			t.Errorf("context %q is not a bed cluster", row.Name)
			continue
		}
		if !row.Reachable || row.Version != bedVersion || row.Error != "" {
			t.Errorf("context %s: reachable %v version %q error %q, want reachable %s", row.Name, row.Reachable, row.Version, row.Error, bedVersion)
		}
		if row.Server != c.Server {
			t.Errorf("context %s: server %q, want %q", row.Name, row.Server, c.Server)
		}
		if row.Current != (row.Name == "east") {
			t.Errorf("context %s: current %v, want only east current", row.Name, row.Current)
		}
	}
	if !slices.Equal(names, []string{"east", "west"}) {
		t.Errorf("contexts %v, want [east west]", names)
	}
}

func TestContextsText(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "contexts", "--kubeconfig", b.Kubeconfig, "--timeout", probeTimeout)
	r.wantCode(t, exitOK)
	lines := strings.Split(strings.TrimRight(r.out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and two contexts:\n%s", len(lines), r.out)
	}
	if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"CURRENT", "CONTEXT", "SERVER", "STATUS"}) {
		t.Errorf("header %q", lines[0])
	}
	for i, want := range []struct{ prefix, name string }{{"*", "east"}, {"", "west"}} {
		f := strings.Fields(lines[i+1])
		if want.prefix != "" {
			if len(f) == 0 || f[0] != want.prefix {
				t.Errorf("line %q: want it marked current", lines[i+1])
				continue
			}
			f = f[1:]
		}
		if len(f) < 2 || f[0] != want.name || f[1] != b.Cluster(want.name).Server {
			t.Errorf("line %q: want context %s with server %s", lines[i+1], want.name, b.Cluster(want.name).Server)
		}
		if !strings.HasSuffix(lines[i+1], "reachable, Kubernetes "+bedVersion) {
			t.Errorf("line %q: want it to end with the reachable status", lines[i+1])
		}
	}
}

// jsonReport is the check JSON document as a consumer decodes it.
type jsonReport struct {
	SchemaVersion int `json:"schemaVersion"`
	Results       []struct {
		ID       string `json:"id"`
		Cluster  string `json:"cluster"`
		Severity string `json:"severity"`
		Status   string `json:"status"`
		Message  string `json:"message"`
		Hint     string `json:"hint"`
	} `json:"results"`
	Summary map[string]int `json:"summary"`
}

func decodeReport(t *testing.T, out string) jsonReport {
	t.Helper()
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("check -o json is not JSON: %v\n%s", err, out)
	}
	if rep.SchemaVersion != 1 {
		t.Errorf("schemaVersion %d, want 1", rep.SchemaVersion)
	}
	return rep
}

// status returns the status and message of check id for cluster ("" for a
// cross-cluster check), failing the test when the report lacks it.
func (rep jsonReport) status(t *testing.T, id, cluster string) (status, message string) {
	t.Helper()
	for _, r := range rep.Results {
		if r.ID == id && r.Cluster == cluster {
			return r.Status, r.Message
		}
	}
	t.Errorf("the report has no result %s for cluster %q", id, cluster)
	return "", ""
}

func TestCheckAllowingLoopbackServersPasses(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "check", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west", "--allow-loopback-servers", "-o", "json")
	r.wantCode(t, exitOK)
	rep := decodeReport(t, r.out)

	// Every check of the plan is reported: per-cluster ones once per
	// context, cross-cluster ones once without a cluster.
	want := 0
	for _, id := range checks.IDs() {
		if strings.HasPrefix(id, "cluster/") {
			rep.status(t, id, "east")
			rep.status(t, id, "west")
			want += 2
		} else {
			rep.status(t, id, "")
			want++
		}
	}
	if len(rep.Results) != want {
		t.Errorf("%d results, want %d", len(rep.Results), want)
	}
	for _, res := range rep.Results {
		if res.Status == "failed" {
			t.Errorf("%s [%s] failed: %s", res.ID, res.Cluster, res.Message)
		}
	}
	if rep.Summary["failed"] != 0 || rep.Summary["passed"] == 0 {
		t.Errorf("summary %v, want passes and no failure", rep.Summary)
	}
	for _, ctx := range []string{"east", "west"} {
		st, msg := rep.status(t, "cluster/api-reachable", ctx)
		if st != "passed" || !strings.Contains(msg, bedVersion) || !strings.Contains(msg, b.Cluster(ctx).Server) {
			t.Errorf("cluster/api-reachable [%s]: %s %q, want passed naming %s and the server", ctx, st, msg, bedVersion)
		}
	}
	if st, msg := rep.status(t, "mesh/pod-cidr-overlap", ""); st != "passed" {
		t.Errorf("mesh/pod-cidr-overlap: %s %q, want passed (10.244/16 and 10.245/16)", st, msg)
	}
	st, msg := rep.status(t, "mesh/api-server-address", "")
	if st != "warned" || !strings.Contains(msg, "--allow-loopback-servers") {
		t.Errorf("mesh/api-server-address: %s %q, want the loopback warning", st, msg)
	}
	for _, c := range b.Clusters {
		if !strings.Contains(msg, c.Context+" "+c.Server) {
			t.Errorf("loopback warning %q does not name %s's server %s", msg, c.Context, c.Server)
		}
	}
}

// Without --allow-loopback-servers the loopback addresses are an error: exit
// 3, and the text report (not a terminal: no colour) shows the failure and
// its hint under "Across clusters".
func TestCheckLoopbackServersFail(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "check", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west")
	r.wantCode(t, exitChecksFailed)
	for _, want := range []string{"Cluster east\n", "Cluster west\n", "Across clusters\n", "✗ API server addresses", "loopback addresses", "hint:", "1 failed"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "\x1b[") {
		t.Errorf("text report to a non-terminal has ANSI escapes:\n%q", r.out)
	}
	if !strings.Contains(r.errOut, "1 check(s) failed") {
		t.Errorf("stderr %q, want the failure count", r.errOut)
	}

	r = meshwiz(t, "check", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west", "-o", "json")
	r.wantCode(t, exitChecksFailed)
	rep := decodeReport(t, r.out)
	if st, _ := rep.status(t, "mesh/api-server-address", ""); st != "failed" {
		t.Errorf("mesh/api-server-address: %s, want failed", st)
	}
	if rep.Summary["failed"] != 1 {
		t.Errorf("summary %v, want exactly 1 failure", rep.Summary)
	}
}

func TestCheckDefaultsToTheCurrentContext(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "check", "--kubeconfig", b.Kubeconfig, "--allow-loopback-servers", "-o", "json")
	r.wantCode(t, exitOK)
	rep := decodeReport(t, r.out)
	for _, res := range rep.Results {
		if res.Cluster != "" && res.Cluster != "east" {
			t.Errorf("%s ran for %q; only the current context east is selected", res.ID, res.Cluster)
		}
	}
	rep.status(t, "cluster/api-reachable", "east")
}

func TestCheckSkip(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "check", "--kubeconfig", b.Kubeconfig, "--context", "east", "--context", "west", "--allow-loopback-servers",
		"--skip", "mesh/pod-cidr-overlap", "--skip", "cluster/rbac", "--skip-fatal", "-o", "json")
	r.wantCode(t, exitOK)
	rep := decodeReport(t, r.out)
	for _, c := range []struct{ id, cluster string }{{"mesh/pod-cidr-overlap", ""}, {"cluster/rbac", "east"}, {"cluster/rbac", "west"}} {
		if st, msg := rep.status(t, c.id, c.cluster); st != "skipped" || !strings.Contains(msg, "--skip "+c.id) {
			t.Errorf("%s [%s]: %s %q, want skipped with --skip", c.id, c.cluster, st, msg)
		}
	}
	if st, _ := rep.status(t, "mesh/service-cidr-overlap", ""); st != "passed" {
		t.Errorf("mesh/service-cidr-overlap: %s, want passed (not skipped)", st)
	}
}

func TestCheckUnknownSkipIsUsageError(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "check", "--kubeconfig", b.Kubeconfig, "--context", "east", "--skip", "no/such-id")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, `"no/such-id" is not a check ID`) || !strings.Contains(r.errOut, "cluster/api-reachable") {
		t.Errorf("stderr %q, want the bad ID and the known ones", r.errOut)
	}
	if r.out != "" {
		t.Errorf("a usage error printed a report: %q", r.out)
	}
}

func TestCheckUnknownContextIsUsageError(t *testing.T) {
	b := sharedBed(t)
	r := meshwiz(t, "check", "--kubeconfig", b.Kubeconfig, "--context", "nope")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.errOut, `context "nope" not found`) || !strings.Contains(r.errOut, "(available: east, west)") {
		t.Errorf("stderr %q, want the unknown context and the available ones", r.errOut)
	}
	if r.out != "" {
		t.Errorf("a usage error printed a report: %q", r.out)
	}
}
