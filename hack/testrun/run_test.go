package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTestFlagsBecomeBinaryFlags(t *testing.T) {
	got, err := TestFlags([]string{"-v", "-run", "TestX|TestY", "-count=1", "--timeout", "5m", "-test.short"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-test.v", "-test.run=TestX|TestY", "-test.count=1", "-test.timeout=5m", "-test.short"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range [][]string{{"-race"}, {"./internal/..."}, {"-run"}, {"-tags", "x"}} {
		if _, err := TestFlags(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func jobsOf(plain, race string) []*job {
	var jobs []*job
	for _, p := range strings.Fields(plain) {
		jobs = append(jobs, &job{pkg: p})
	}
	for _, p := range strings.Fields(race) {
		jobs = append(jobs, &job{pkg: p, race: true})
	}
	return jobs
}

func names(jobs []*job) string {
	var s []string
	for _, j := range jobs {
		if j == nil {
			s = append(s, "-")
			continue
		}
		s = append(s, j.pkg)
	}
	return strings.Join(s, " ")
}

func TestBuildOrderFollowsTheLanes(t *testing.T) {
	got := names(buildOrder(jobsOf("p1 p2 p3 p4 p5", "r1 r2 r3")))
	if want := "p1 p2 r1 r2 p3 r3 p4 p5"; got != want {
		t.Errorf("build order %q, want %q", got, want)
	}
}

// TestClaimOrder: the general lanes take plain packages first and race ones
// after them, the race lane only race ones, and the -then job comes once the
// race packages are claimed, while plain ones may still wait.
func TestClaimOrder(t *testing.T) {
	r := newRun(jobsOf("p1 p2 p3 p4", "r1 r2 r3"), "fuzz", nil, 2)
	var got []*job
	for _, lane := range []int{3, 1, 2, 3, 1, 3, 3, 2, 1, 2} {
		got = append(got, r.claim(lane))
	}
	if want := "r1 p1 p2 r2 p3 r3 then: fuzz p4 - -"; names(got) != want {
		t.Errorf("claims %q, want %q", names(got), want)
	}
	r = newRun(jobsOf("p1", ""), "", nil, 2)
	if j := r.claim(3); j != nil {
		t.Errorf("the race lane claimed %s", j.pkg)
	}
	r.stop(nil)
	if j := r.claim(1); j != nil {
		t.Errorf("claimed %s after stop", j.pkg)
	}
}

// TestCPUOfCountsWaitedChildren: a package's CPU in the timeline includes
// the processes its test binary waited for (its bed), as here the inner
// shell that does the work while the outer one only waits.
func TestCPUOfCountsWaitedChildren(t *testing.T) {
	cmd := exec.Command("sh", "-c", `sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'`)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if got := cpuOf(cmd); got < 50*time.Millisecond {
		t.Errorf("cpuOf = %v for a child that counted to 300000, want >= 50ms", got)
	}
	if got := cpuOf(exec.Command("true")); got != 0 {
		t.Errorf("cpuOf of a command that never ran = %v", got)
	}
}

// TestPruneStaleKeepsOnlyTheJobsBinaries: the kept binary directory loses
// the test binaries of packages no longer listed, and nothing else.
func TestPruneStaleKeepsOnlyTheJobsBinaries(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.test", "gone.test", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	jobs := []*job{{bin: filepath.Join(dir, "a.test")}, {bin: filepath.Join(dir, "b.test")}}
	if err := pruneStale(dir, jobs); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	want := []string{filepath.Join(dir, "a.test"), filepath.Join(dir, "notes.txt")}
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}
