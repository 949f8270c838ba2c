package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// job is one package's test binary (or the -then command).
type job struct {
	pkg   string // import path, or "then: <command>"
	shell string // the -then command (bash -c); empty for a package
	race  bool
	dir   string // the package's source directory: the binary runs there
	bin   string // where the builder puts the test binary
	built chan struct{}
	// Set by the builder before built is closed.
	buildOut []byte
	buildErr error

	// Set by the lane that runs it. cpu is the user + system time of the
	// test binary and of every process it waited for (its bed's etcd,
	// apiservers and components, a real istiod): what the package cost.
	start, end time.Duration
	cpu        time.Duration
	lane       int
	// Set by the builder: the CPU of its go test -c.
	buildCPU time.Duration
}

type run struct {
	jobs      []*job
	thenJob   *job // nil without -then
	testFlags []string
	lanes     int
	t0        time.Time

	mu      sync.Mutex
	claimed map[*job]bool
	procs   map[*exec.Cmd]bool
	stopped bool
	failed  []string
	outMu   sync.Mutex
}

func newRun(jobs []*job, then string, testFlags []string, lanes int) *run {
	r := &run{jobs: jobs, testFlags: testFlags, lanes: lanes, t0: time.Now(),
		claimed: map[*job]bool{}, procs: map[*exec.Cmd]bool{}}
	if then != "" {
		r.thenJob = &job{pkg: "then: " + then, shell: then}
	}
	return r
}

// listJobs asks go list for each package's directory and whether it has
// tests; packages without test files are left out (go test prints "no test
// files" for them).
func listJobs(bin string, plain, race []string) ([]*job, error) {
	all := append(append([]string(nil), plain...), race...)
	if len(all) == 0 {
		return nil, nil
	}
	out, err := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}} {{.Dir}} {{len .TestGoFiles}} {{len .XTestGoFiles}}"}, all...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v", err)
	}
	isRace := map[string]bool{}
	for _, p := range race {
		isRace[p] = true
	}
	byPkg := map[string]*job{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || (f[2] == "0" && f[3] == "0") {
			continue
		}
		byPkg[f[0]] = &job{pkg: f[0], race: isRace[f[0]], dir: f[1],
			bin: filepath.Join(binDir(bin, isRace[f[0]]), path.Base(f[0])+".test"), built: make(chan struct{})}
	}
	var jobs []*job
	for _, p := range all {
		if j := byPkg[p]; j != nil {
			jobs = append(jobs, j)
		}
	}
	return jobs, sameBinary(jobs)
}

// sameBinary refuses two packages of one kind whose paths end in the same
// element: go test -c -o DIR/ would name both binaries <element>.test.
func sameBinary(jobs []*job) error {
	by := map[string]string{}
	for _, j := range jobs {
		if other, dup := by[j.bin]; dup {
			return fmt.Errorf("%s and %s would both build %s: rename one package's directory", other, j.pkg, j.bin)
		}
		by[j.bin] = j.pkg
	}
	return nil
}

// binDir is where the test binaries of one kind go: one go test -c -o DIR/
// writes every package's as <last element of its path>.test, and the -race
// and plain builds are separate commands.
func binDir(bin string, race bool) string {
	if race {
		return filepath.Join(bin, "race")
	}
	return filepath.Join(bin, "plain")
}

// pruneStale removes the test binaries under dir that no job will write: the
// directory is kept between runs, and a package that was removed or renamed
// would leave its binary there for good. Only "*.test" files go.
func pruneStale(dir string, jobs []*job) error {
	keep := map[string]bool{}
	for _, j := range jobs {
		keep[j.bin] = true
	}
	var old []string
	for _, d := range []string{dir, binDir(dir, false), binDir(dir, true)} {
		m, err := filepath.Glob(filepath.Join(d, "*.test"))
		if err != nil {
			return err
		}
		old = append(old, m...)
	}
	for _, f := range old {
		if !keep[f] {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildOrder is the order the lanes reach the binaries: the two first
// plain ones (the general lanes start with them and keep them for minutes),
// then two race binaries for each further plain one (the race lane goes
// through its packages in seconds to a minute or two each).
func buildOrder(jobs []*job) []*job {
	var plain, race, out []*job
	for _, j := range jobs {
		if j.race {
			race = append(race, j)
		} else {
			plain = append(plain, j)
		}
	}
	take := func(list *[]*job, n int) {
		for ; n > 0 && len(*list) > 0; n-- {
			out, *list = append(out, (*list)[0]), (*list)[1:]
		}
	}
	take(&plain, 2)
	for len(plain) > 0 || len(race) > 0 {
		take(&race, 2)
		take(&plain, 1)
	}
	return out
}

// build builds the test binaries: first one go test -c for all plain
// packages and one for all -race packages, at once. Each go command loads
// the whole package graph (Helm, client-go, Istio's charts: ~1.5 CPU-s) even
// when the binaries are current and nothing links, so one command per kind
// instead of one per package saves that ~20 times on every run. A lane
// starts once its kind's batch is done. When a batch fails (a package does
// not compile), its packages are built one by one, two at a time in
// buildOrder, so that each failure is reported with its package.
func (r *run) build() {
	var plain, race []*job
	for _, j := range r.jobs {
		if j.race {
			race = append(race, j)
		} else {
			plain = append(plain, j)
		}
	}
	var failed []*job
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, batch := range [][]*job{plain, race} {
		if len(batch) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := filepath.Dir(batch[0].bin)
			err := os.MkdirAll(dir, 0o755)
			var cpu time.Duration
			if err == nil {
				_, cpu, err = r.goTestC(batch[0].race, dir+string(filepath.Separator), batch)
			}
			if err != nil {
				mu.Lock()
				failed = append(failed, batch...)
				mu.Unlock()
				return
			}
			for i, j := range batch {
				if i == 0 {
					j.buildCPU = cpu // the batch's, given with its first package
				}
				close(j.built)
			}
		}()
	}
	wg.Wait()
	r.buildEach(failed)
}

// goTestC runs go test -c for jobs into out (a file for one job, a
// directory for several).
func (r *run) goTestC(race bool, out string, jobs []*job) ([]byte, time.Duration, error) {
	args := []string{"test", "-c", "-ldflags=-w", "-o", out}
	if race {
		args = append(args, "-race")
	}
	for _, j := range jobs {
		args = append(args, j.pkg)
	}
	cmd := exec.Command("go", args...)
	if race {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1") // the race detector needs cgo
	}
	if r.isStopped() {
		return nil, 0, fmt.Errorf("stopped")
	}
	output, err := cmd.CombinedOutput()
	return output, cpuOf(cmd), err
}

// buildEach builds the jobs' binaries one package per go command, two at a
// time in buildOrder.
func (r *run) buildEach(jobs []*job) {
	if len(jobs) == 0 {
		return
	}
	order := make(chan *job)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range order {
				j.buildOut, j.buildCPU, j.buildErr = r.goTestC(j.race, j.bin, []*job{j})
				close(j.built)
			}
		}()
	}
	for _, j := range buildOrder(jobs) {
		if r.isStopped() {
			j.buildErr = fmt.Errorf("stopped")
			close(j.built)
			continue
		}
		order <- j
	}
	close(order)
	wg.Wait()
}

// claim gives lane the next job it may run: lanes up to r.lanes take plain
// packages first, then race ones; the last lane takes race packages only.
// The -then job (the fuzz block) is next once every race package is
// claimed: it runs beside the last plain packages, not after them.
func (r *run) claim(lane int) *job {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil
	}
	next := func(race bool) *job {
		for _, j := range r.jobs {
			if j.race == race && !r.claimed[j] {
				return j
			}
		}
		return nil
	}
	j := next(true)
	if lane <= r.lanes {
		if p := next(false); p != nil {
			j = p
		}
	}
	if j == nil && r.thenJob != nil && !r.claimed[r.thenJob] {
		j = r.thenJob
	}
	if j != nil {
		r.claimed[j] = true
	}
	return j
}

// run starts the builder and the lanes and returns the failed packages.
func (r *run) run() []string {
	go r.build()
	var wg sync.WaitGroup
	for lane := 1; lane <= r.lanes+1; lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := r.claim(lane); j != nil; j = r.claim(lane) {
				j.lane = lane
				r.runJob(j)
			}
		}()
	}
	wg.Wait()
	return r.failed
}

func (r *run) runJob(j *job) {
	var cmd *exec.Cmd
	if j.shell != "" {
		cmd = exec.Command("bash", "-c", j.shell)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr // the fuzz block prints as it goes
	} else {
		<-j.built
		if j.buildErr != nil {
			r.report(j, j.buildOut, fmt.Errorf("build failed: %v", j.buildErr), "[build failed]")
			return
		}
		cmd = exec.Command(j.bin, append([]string{"-test.paniconexit0"}, r.testFlags...)...)
		cmd.Dir = j.dir
	}
	var out bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout, cmd.Stderr = &out, &out
	}
	j.start = time.Since(r.t0)
	err := r.startAndWait(cmd)
	j.end = time.Since(r.t0)
	j.cpu = cpuOf(cmd)
	r.report(j, out.Bytes(), err, fmt.Sprintf("%.3fs", (j.end-j.start).Seconds()))
}

func (r *run) startAndWait(cmd *exec.Cmd) error {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return fmt.Errorf("stopped")
	}
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		return err
	}
	r.procs[cmd] = true
	r.mu.Unlock()
	err := cmd.Wait()
	r.mu.Lock()
	delete(r.procs, cmd)
	r.mu.Unlock()
	return err
}

// report prints a finished job the way go test does.
func (r *run) report(j *job, out []byte, err error, took string) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	verbose := hasFlag(r.testFlags, "-test.v")
	if err != nil || verbose {
		os.Stdout.Write(out)
	}
	if err != nil {
		r.mu.Lock()
		r.failed = append(r.failed, j.pkg)
		r.mu.Unlock()
		fmt.Printf("FAIL\t%s\t%s (%v)\n", j.pkg, took, err)
		return
	}
	if j.shell == "" {
		fmt.Printf("ok  \t%s\t%s\n", j.pkg, took)
	}
}

// stop forwards sig to every running test binary (each stops its bed) and
// lets no new one start.
func (r *run) stop(sig os.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	for cmd := range r.procs {
		_ = cmd.Process.Signal(sig)
	}
}

func (r *run) isStopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// printTimeline says when each package ran and in which lane: where a
// later change to the order or the lanes should look.
// With each package it gives the CPU-s its run took (the test binary and
// the beds and istiods it started) and its go test -c took: on a 2-core
// machine the suite is CPU-bound, and these say where the CPU goes.
func (r *run) printTimeline(w io.Writer) {
	fmt.Fprintf(w, "== lanes (%.0fs in all): package, lane, start-end s, CPU-s of the run (+ of go test -c)\n", time.Since(r.t0).Seconds())
	var runCPU, buildCPU time.Duration
	for _, j := range append(r.jobs, r.thenJob) {
		if j != nil && j.end > 0 {
			fmt.Fprintf(w, "   %-50s %d %5.0f-%-5.0f %6.1f (+%.1f)\n", j.pkg, j.lane, j.start.Seconds(), j.end.Seconds(), j.cpu.Seconds(), j.buildCPU.Seconds())
			runCPU += j.cpu
			buildCPU += j.buildCPU
		}
	}
	fmt.Fprintf(w, "   CPU-s: %.0f running, %.0f in go test -c\n", runCPU.Seconds(), buildCPU.Seconds())
}

// cpuOf is the user + system time of a finished command and of the
// processes it waited for (0 if it did not run).
func cpuOf(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
