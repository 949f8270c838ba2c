package testbed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long Stop waits after SIGTERM before SIGKILL (a variable
// for tests).
var stopGrace = 5 * time.Second

// process is one child: etcd or a cluster's component.
type process struct {
	cluster   string // "" for the shared etcd
	component string // "etcd", "kube-apiserver", ...
	bin       string
	logPath   string
	cmd       *exec.Cmd
	done      chan struct{} // closed once the process has been reaped
	waitErr   error         // valid after done
	pastCPU   time.Duration // CPU time of the runs before a restart
	// portLost marks a start that lost its port to another process and was
	// retried on a new one: its exit is not a failure. (Its log is shared
	// with the retry's, so the log's tail cannot tell later.)
	portLost bool
}

// name is "<cluster>-<component>", or the component for the shared etcd.
func (p *process) name() string {
	if p.cluster == "" {
		return p.component
	}
	return p.cluster + "-" + p.component
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitError describes how the process ended, with the tail of its log.
func (p *process) exitError() error {
	return &ComponentError{Cluster: p.cluster, Component: p.component,
		Err: fmt.Errorf("exited (%v)", p.waitErr), LogPath: p.logPath, LogTail: p.tail()}
}

// tail returns the last lines of the process's log.
func (p *process) tail() string { return tailFile(p.logPath, 25) }

// ComponentError is the error Start returns when a component fails: it names
// the cluster and the component and carries the tail of the component's log.
type ComponentError struct {
	Cluster   string // "" for the shared etcd
	Component string
	Err       error
	LogPath   string
	LogTail   string
}

// Error names the cluster and component and appends the log tail.
func (e *ComponentError) Error() string {
	var b strings.Builder
	b.WriteString("testbed: ")
	if e.Cluster != "" {
		fmt.Fprintf(&b, "cluster %q: ", e.Cluster)
	}
	fmt.Fprintf(&b, "%s: %v", e.Component, e.Err)
	if e.LogTail != "" {
		fmt.Fprintf(&b, "\n--- last lines of %s ---\n%s", e.LogPath, e.LogTail)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ComponentError) Unwrap() error { return e.Err }

// tailFile returns up to n last lines of the file (at most its last 16 KiB).
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 16 << 10
	if st, err := f.Stat(); err == nil && st.Size() > max {
		if _, err := f.Seek(-max, io.SeekEnd); err != nil {
			return ""
		}
	}
	data, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// spawnRequest asks the spawner thread to start a command.
type spawnRequest struct {
	cmd   *exec.Cmd
	reply chan error
}

var (
	spawnOnce sync.Once
	spawnCh   chan spawnRequest
)

// spawn starts cmd from one OS thread that never exits. Pdeathsig fires when
// the thread that forked the child exits, not the process, so forking from a
// thread that lives as long as the process makes "the test binary died" the
// only trigger.
func spawn(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnCh = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives until the process ends
			for req := range spawnCh {
				req.reply <- req.cmd.Start()
			}
		}()
	})
	reply := make(chan error, 1)
	spawnCh <- spawnRequest{cmd: cmd, reply: reply}
	return <-reply
}

// GOMAXPROCSEnv names the environment variable that sets GOMAXPROCS for the
// bed's processes (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok, istiod); default 1. A bed shares a small machine with other
// beds and the tests, so one component's parallelism buys nothing there,
// while every P costs wake-ups (idle schedulers spinning for work, GC
// workers): BenchmarkIdleCluster measured idle clusters ~15-30% cheaper with
// one P. The components' behaviour does not depend on it.
const GOMAXPROCSEnv = "MESHWIZ_TESTBED_GOMAXPROCS"

// childEnv is the environment of every component: the caller's, minus proxy
// settings and KUBECONFIG, which must not redirect the components, and with
// GOMAXPROCS from $MESHWIZ_TESTBED_GOMAXPROCS (default 1).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "KUBECONFIG", "GOMAXPROCS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, gomaxprocs())
}

// gomaxprocs is the GOMAXPROCS=n of the bed's processes (istiod's too).
func gomaxprocs() string {
	if n := os.Getenv(GOMAXPROCSEnv); n != "" {
		return "GOMAXPROCS=" + n
	}
	return "GOMAXPROCS=1"
}

// procs tracks the processes of a bed and the pids file.
type procs struct {
	mu       sync.Mutex
	list     []*process
	pidsPath string
	logDir   string
	detached bool
}

// start runs bin with args, logging to <logDir>/<name>.log, records the PID
// and reaps the process in the background.
func (ps *procs) start(cluster, component, bin string, args []string) (*process, error) {
	return ps.startIn(cluster, component, bin, args, ps.logDir, childEnv())
}

// startIn is start with a given working directory and environment.
func (ps *procs) startIn(cluster, component, bin string, args []string, dir string, env []string) (*process, error) {
	p := &process{cluster: cluster, component: component, bin: bin, done: make(chan struct{})}
	p.logPath = filepath.Join(ps.logDir, p.name()+".log")
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "# %s %s\n", bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = env
	cmd.Dir = dir
	if ps.detached {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	}
	p.cmd = cmd

	ps.mu.Lock()
	defer ps.mu.Unlock()
	if err := spawn(cmd); err != nil {
		return nil, &ComponentError{Cluster: cluster, Component: component, Err: err}
	}
	ps.list = append(ps.list, p)
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	f, err := os.OpenFile(ps.pidsPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		_, err = fmt.Fprintf(f, "%d %s %s\n", p.pid(), p.name(), bin)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return p, fmt.Errorf("testbed: recording PID of %s: %w", p.name(), err)
	}
	return p, nil
}

// all returns a snapshot of the started processes.
func (ps *procs) all() []*process {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]*process(nil), ps.list...)
}

// stopProcesses ends the given processes: SIGTERM to each (and its process group),
// SIGKILL to those still alive after stopGrace, then waits until all are
// reaped. It returns an error naming processes that could not be signalled.
func stopProcesses(list []*process) error {
	var errs []error
	for _, p := range list {
		if p.exited() {
			continue
		}
		if err := signalProc(p, syscall.SIGTERM); err != nil {
			errs = append(errs, fmt.Errorf("SIGTERM %s (pid %d): %w", p.name(), p.pid(), err))
		}
	}
	deadline := time.Now().Add(stopGrace)
	for _, p := range list {
		select {
		case <-p.done:
			continue
		case <-time.After(time.Until(deadline)):
		}
		if err := signalProc(p, syscall.SIGKILL); err != nil {
			errs = append(errs, fmt.Errorf("SIGKILL %s (pid %d): %w", p.name(), p.pid(), err))
		}
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			errs = append(errs, fmt.Errorf("%s (pid %d) still running after SIGKILL", p.name(), p.pid()))
		}
	}
	return errors.Join(errs...)
}

// signalProc sends sig to the process group led by p (the children are group
// leaders in both modes) and to p itself.
func signalProc(p *process, sig syscall.Signal) error {
	_ = syscall.Kill(-p.pid(), sig)
	err := syscall.Kill(p.pid(), sig)
	if errors.Is(err, syscall.ESRCH) || p.exited() {
		return nil
	}
	return err
}

// RunningPIDs returns the PIDs recorded in <dir>/pids whose process is alive
// and still runs the recorded binary (a recycled PID is not reported). The
// sandbox uses it to clean up after a daemon that died.
func RunningPIDs(dir string) []int {
	data, err := os.ReadFile(filepath.Join(dir, "pids"))
	if err != nil {
		return nil
	}
	var pids []int
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			continue
		}
		pid, err := strconv.Atoi(fields[0])
		if err != nil || pid <= 0 || !pidAlive(pid) {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil || strings.TrimSuffix(exe, " (deleted)") != fields[2] {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// pidAlive reports whether a process with this PID exists (and is no zombie).
func pidAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the ")" that closes the command name.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}
