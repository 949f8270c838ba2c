package testbed_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// pidsFile parses <dir>/pids into pid → "<cluster>-<component>".
func pidsFile(t *testing.T, dir string) map[int]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "pids"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("pids file line %q", line)
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("pids file line %q: %v", line, err)
		}
		out[pid] = f[1]
	}
	return out
}

// runningByName maps the live processes of the bed in dir by name.
func runningByName(t *testing.T, dir string) map[string]int {
	t.Helper()
	names := pidsFile(t, dir)
	out := map[string]int{}
	for _, pid := range testbed.RunningPIDs(dir) {
		if prev, dup := out[names[pid]]; dup {
			t.Errorf("%s runs twice: pids %d and %d", names[pid], prev, pid)
		}
		out[names[pid]] = pid
	}
	return out
}

// TestRestartAPIServer stops one cluster's kube-apiserver, checks that the
// cluster refuses connections while the rest of the bed runs on, starts it
// again and checks that the kubeconfig, the objects stored before and the
// controllers all work, and that Bed.Stop stops the restarted process.
func TestRestartAPIServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() // a given Dir survives Stop: the pids file can be read after
	b, err := testbed.Start(ctx(t, 3*time.Minute), testbed.Options{
		Clusters: []testbed.ClusterSpec{{Name: "r1"}},
		Dir:      dir,
		Logf:     t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = b.Stop()
		}
	})
	c := b.Cluster("r1")
	cs := kubeconfigClient(t, b.Kubeconfig, "r1") // the way meshwiz connects
	ctx := ctx(t, 3*time.Minute)

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before-restart"}, Data: map[string]string{"k": "v"}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := runningByName(t, dir)
	if len(before) != 5 || before["r1-kube-apiserver"] == 0 {
		t.Fatalf("running before the stop: %v", before)
	}

	cpuBefore, err := b.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	for _, comp := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if cpuBefore[comp] <= 0 {
			t.Errorf("CPUTime: %s used %v, want > 0 (reading %v)", comp, cpuBefore[comp], cpuBefore)
		}
	}

	server := c.Server
	start := time.Now()
	if err := c.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	t.Logf("StopAPIServer took %v", time.Since(start).Round(time.Millisecond))
	_, err = cs.CoreV1().ConfigMaps("default").Get(ctx, "before-restart", metav1.GetOptions{})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("request to the stopped apiserver: %v, want connection refused", err)
	}
	if _, err := c.Clientset().CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Clientset() request to the stopped apiserver: %v, want connection refused", err)
	}
	during := runningByName(t, dir)
	if _, ok := during["r1-kube-apiserver"]; ok || len(during) != 4 {
		t.Errorf("running while the apiserver is stopped: %v, want etcd, kcm, scheduler and kwok", during)
	}
	if err := c.StopAPIServer(); err != nil {
		t.Errorf("second StopAPIServer: %v", err)
	}

	start = time.Now()
	if err := c.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("StartAPIServer took %v", time.Since(start).Round(time.Millisecond))
	if err := c.StartAPIServer(ctx); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("StartAPIServer on a running apiserver: %v", err)
	}
	after := runningByName(t, dir)
	if len(after) != 5 || after["r1-kube-apiserver"] == 0 || after["r1-kube-apiserver"] == before["r1-kube-apiserver"] {
		t.Errorf("running after the restart: %v (before: %v)", after, before)
	}
	for name, pid := range before {
		if name != "r1-kube-apiserver" && after[name] != pid {
			t.Errorf("%s changed from pid %d to %d", name, pid, after[name])
		}
	}
	// The stopped apiserver's CPU time still counts (from its wait status),
	// and no component's reading went down.
	cpuAfter, err := b.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	for comp, d := range cpuBefore {
		if cpuAfter[comp] < d {
			t.Errorf("CPUTime of %s went from %v to %v across the restart", comp, d, cpuAfter[comp])
		}
	}
	if testbed.Total(cpuAfter) <= testbed.Total(cpuBefore) {
		t.Errorf("CPUTime total %v after a restart, %v before", testbed.Total(cpuAfter), testbed.Total(cpuBefore))
	}
	if c.Server != server || c.RESTConfig().Host != server {
		t.Errorf("Server %q / RESTConfig host %q, want %q as before", c.Server, c.RESTConfig().Host, server)
	}

	if log, err := os.ReadFile(filepath.Join(dir, "logs", "r1-kube-apiserver.log")); err != nil || !strings.Contains(string(log), "# restarted") {
		t.Errorf("the apiserver log lacks the restart marker (err %v)", err)
	} else {
		for _, line := range strings.Split(string(log), "\n") {
			if strings.HasPrefix(line, "# restarted") {
				t.Log(line)
			}
		}
	}

	// The same kubeconfig works; etcd kept what was stored before.
	got, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "before-restart", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" {
		t.Fatalf("ConfigMap stored before the restart: %v %v", got, err)
	}
	if _, err := c.Clientset().CoreV1().ConfigMaps("default").Create(ctx,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-restart"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The components reconnected: a Deployment becomes Available (kcm,
	// scheduler, kwok) and a LoadBalancer Service gets its address (the
	// bed's assigner).
	d := webDeployment(1)
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "lb"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: webLabels,
			Ports: []corev1.ServicePort{{Port: 443}}},
	}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	eventually(t, 90*time.Second, "deployment available and load balancer assigned after the restart", func() (bool, error) {
		got, err := cs.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil || got.Status.AvailableReplicas != 1 {
			return false, err
		}
		s, err := cs.CoreV1().Services("default").Get(ctx, "lb", metav1.GetOptions{})
		return err == nil && len(s.Status.LoadBalancer.Ingress) == 1, err
	})
	t.Logf("deployment available and load balancer assigned %v after the restart", time.Since(start).Round(time.Millisecond))

	// Bed.Stop stops the restarted apiserver too: nothing recorded survives.
	recorded := pidsFile(t, dir)
	if len(recorded) != 6 {
		t.Errorf("pids file lists %d processes, want 6 (5 + the restarted apiserver): %v", len(recorded), recorded)
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if pids := testbed.RunningPIDs(dir); len(pids) > 0 {
		t.Errorf("still running after Stop: %v", pids)
	}
	for pid, name := range recorded {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("%s (pid %d) still exists after Stop", name, pid)
		}
	}
	if err := c.StartAPIServer(ctx); err == nil || !strings.Contains(err.Error(), "etcd") {
		_ = c.StopAPIServer()
		t.Errorf("StartAPIServer after Bed.Stop: %v, want an error about etcd", err)
	}
	if pids := testbed.RunningPIDs(dir); len(pids) > 0 {
		t.Errorf("running after StartAPIServer on a stopped bed: %v", pids)
	}
}
