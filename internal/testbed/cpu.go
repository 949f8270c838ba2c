package testbed

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on
// every Linux ABI).
const userHZ = 100

// CPUTime returns the CPU time (user + system) the bed's processes have used
// since they started, per component ("etcd", "kube-apiserver",
// "kube-controller-manager", "kube-scheduler", "kwok", ...; summed over the
// clusters, restarted processes included). Live processes are read from
// /proc/<pid>/stat (10 ms resolution), ended ones from their wait status.
// The fake load-balancer assigners run in the calling process and are not
// counted. Benchmarks take the difference of two readings. Like PIDs, it may
// not run concurrently with Cluster.StartAPIServer.
func (b *Bed) CPUTime() (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, p := range b.procs.all() {
		out[p.component] += p.pastCPU
		if !p.exited() {
			d, err := procCPU(p.pid())
			if err == nil {
				out[p.component] += d
				continue
			}
			if !p.exited() { // not ended between the two looks
				return nil, fmt.Errorf("testbed: CPU time of %s: %w", p.name(), err)
			}
		}
		out[p.component] += waitedCPU(p.cmd.ProcessState)
	}
	return out, nil
}

// waitedCPU is the CPU time (user + system) of an ended process, from its
// wait status (0 if it never ran).
func waitedCPU(st *os.ProcessState) time.Duration {
	if st == nil {
		return 0
	}
	return st.UserTime() + st.SystemTime()
}

// procCPU reads utime + stime of a live process.
func procCPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: the fields that follow its ")" are
	// state, ppid, ... and utime, stime as the 12th and 13th.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the command name", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// Total adds up a CPUTime reading.
func Total(cpu map[string]time.Duration) time.Duration {
	var t time.Duration
	for _, d := range cpu {
		t += d
	}
	return t
}
