package main

import (
	"os"
	"os/exec"
	"path"
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
// the test binaries of packages no longer listed (and the flat layout's
// older ones), and nothing else.
func TestPruneStaleKeepsOnlyTheJobsBinaries(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"old_flat.test", "plain/a.test", "plain/gone.test", "race/r.test", "notes.txt"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	jobs := []*job{{bin: filepath.Join(dir, "plain/a.test")}, {bin: filepath.Join(dir, "race/r.test")}, {bin: filepath.Join(dir, "plain/b.test")}}
	if err := pruneStale(dir, jobs); err != nil {
		t.Fatal(err)
	}
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			left = append(left, rel)
		}
		return nil
	})
	if want := []string{"notes.txt", "plain/a.test", "race/r.test"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}

// TestBuildBatchesAndFallsBackPerPackage: the plain packages build in one
// go test -c into the kept directory; when the batch fails, each package is
// built alone, so the one that does not compile is named and the others
// still run.
func TestBuildBatchesAndFallsBackPerPackage(t *testing.T) {
	jobsFor := func(bin string, pkgs ...string) []*job {
		var jobs []*job
		for _, p := range pkgs {
			jobs = append(jobs, &job{pkg: p, bin: filepath.Join(binDir(bin, false), path.Base(p)+".test"), built: make(chan struct{})})
		}
		return jobs
	}
	bin := t.TempDir()
	r := newRun(jobsFor(bin, "./testdata/fine"), "", nil, 2)
	r.build()
	if j := r.jobs[0]; j.buildErr != nil {
		t.Fatalf("fine: %v\n%s", j.buildErr, j.buildOut)
	}
	if out, err := exec.Command(r.jobs[0].bin, "-test.v").CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS: TestFine") {
		t.Errorf("the batch's binary: %v\n%s", err, out)
	}

	r = newRun(jobsFor(bin, "./testdata/fine", "./testdata/broken"), "", nil, 2)
	r.build()
	fine, broken := r.jobs[0], r.jobs[1]
	if fine.buildErr != nil {
		t.Errorf("fine failed beside a broken package: %v\n%s", fine.buildErr, fine.buildOut)
	}
	if broken.buildErr == nil || !strings.Contains(string(broken.buildOut), "undefined") {
		t.Errorf("broken: %v\n%s", broken.buildErr, broken.buildOut)
	}
	for _, j := range r.jobs {
		select {
		case <-j.built:
		default:
			t.Errorf("%s: built never closed", j.pkg)
		}
	}
}

// TestSameBinaryIsRefused: two packages of one kind ending in the same path
// element would share a binary in the batch's directory.
func TestSameBinaryIsRefused(t *testing.T) {
	bin := t.TempDir()
	mk := func(pkg string, race bool) *job {
		return &job{pkg: pkg, race: race, bin: filepath.Join(binDir(bin, race), path.Base(pkg)+".test")}
	}
	if err := sameBinary([]*job{mk("m/internal/status", false), mk("m/hack/status", true)}); err != nil {
		t.Errorf("a plain and a race package with one name: %v", err)
	}
	err := sameBinary([]*job{mk("m/internal/status", false), mk("m/hack/status", false)})
	if err == nil || !strings.Contains(err.Error(), "m/internal/status and m/hack/status") {
		t.Errorf("two plain packages named status: %v", err)
	}
}
