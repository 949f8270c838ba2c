package install

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
)

// startOwnBed starts a bed of its own for one test or benchmark (the shared
// bed of TestMain is left alone) and stops it at the end.
func startOwnBed(tb testing.TB, names ...string) *testbed.Bed {
	tb.Helper()
	var specs []testbed.ClusterSpec
	for _, n := range names {
		specs = append(specs, testbed.ClusterSpec{Name: n})
	}
	return testbed.Own(tb, specs...)
}

// envOnBed is envFor for a bed of the test's own: clients from the bed's
// kubeconfig (as meshwiz builds them) and the certificates.
func envOnBed(tb testing.TB, b *testbed.Bed, cfg *mesh.Config, helmTimeout, addrTimeout time.Duration) Env {
	tb.Helper()
	return Env{Clients: bedtest.ClientsOf(tb, b, cfg), Certs: bedtest.Intermediates(tb, cfg), HelmTimeout: helmTimeout, AddressTimeout: addrTimeout}
}

// releaseRevisions lists every stored revision of every Helm release in
// istio-system: name → "v<revision>:<status>", oldest first.
func releaseRevisions(tb testing.TB, c *kube.Client) map[string][]string {
	tb.Helper()
	cfg, err := c.Helm(Namespace, nil)
	if err != nil {
		tb.Fatal(err)
	}
	all, err := cfg.Releases.ListReleases()
	if err != nil {
		tb.Fatalf("%s: listing Helm releases: %v", c.Context, err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Version < all[j].Version })
	out := map[string][]string{}
	for _, r := range all {
		out[r.Name] = append(out[r.Name], fmt.Sprintf("v%d:%s", r.Version, r.Info.Status))
	}
	return out
}

// TestInstallResumesAfterAPIServerDies kills k2's kube-apiserver in the
// middle of a run: the run ends (failures and skips, no hang). With the
// apiserver back, a second run finishes the job with nothing duplicated, and
// a third changes nothing. Two moments, each on a bed of its own:
//   - after-istio-base: as soon as k2's istio-base is deployed, so istiod@k2
//     meets a dead apiserver before it writes anything;
//   - during-istiod-install: once Helm has stored istiod's first revision on
//     k2 (pending-install) and waits for its resources.
func TestInstallResumesAfterAPIServerDies(t *testing.T) {
	for _, sc := range []struct {
		name string
		// kill is called from the observer (which must not block) with
		// each event; it calls stop once, at its moment.
		kill func(t *testing.T, b *testbed.Bed, e steps.Event, stop func())
	}{
		{"after-istio-base", func(t *testing.T, b *testbed.Bed, e steps.Event, stop func()) {
			if e.Step.ID == IDBase && e.Step.Cluster == "k2" && e.Status == steps.Passed {
				go stop()
			}
		}},
		{"during-istiod-install", func(t *testing.T, b *testbed.Bed, e steps.Event, stop func()) {
			if e.Step.ID != IDIstiod || e.Step.Cluster != "k2" || e.Status != steps.Running || e.Message != "" {
				return // only the step's first Running event
			}
			k2 := bedtest.Admin(t, b, "k2")
			go func() {
				sel := metav1.ListOptions{LabelSelector: "owner=helm,name=" + ReleaseIstiod + ",status=" + string(release.StatusPendingInstall)}
				seen := false
				for deadline := time.Now().Add(time.Minute); !seen && time.Now().Before(deadline); {
					l, err := k2.Kube.CoreV1().Secrets(Namespace).List(context.Background(), sel)
					seen = err == nil && len(l.Items) > 0
					time.Sleep(20 * time.Millisecond)
				}
				if !seen {
					t.Error("never saw istiod's pending-install revision on k2: the apiserver is stopped later than planned")
				}
				stop()
			}()
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			resumeAfterAPIServerDies(t, sc.kill)
		})
	}
}

func resumeAfterAPIServerDies(t *testing.T, kill func(*testing.T, *testbed.Bed, steps.Event, func())) {
	b := startOwnBed(t, "k1", "k2")
	k2 := b.Cluster("k2")
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, false, "k1", "k2")
	env := envOnBed(t, b, cfg, 30*time.Second, 30*time.Second)

	// Run 1: k2's apiserver goes away at the scenario's moment.
	plan, err := Plan(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	var stoppedAt time.Time
	stop := func() {
		stoppedAt = time.Now()
		stopped <- k2.StopAPIServer()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	first, err := steps.Run(ctx, plan, func(e steps.Event) { kill(t, b, e, stop) })
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("run 1 hit the test's 4-minute limit:\n%s", bedtest.DescribeRun(first))
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("k2's apiserver was never stopped\n" + bedtest.DescribeRun(first))
	}
	t.Logf("run 1 took %v (k2's apiserver got SIGTERM at +%v):\n%s", took.Round(time.Millisecond),
		stoppedAt.Sub(start).Round(time.Millisecond), bedtest.DescribeRun(first))
	// No hang: once the apiserver is gone, every step that needs it fails
	// at once or within the 30 s Helm/address timeouts.
	if after := took - stoppedAt.Sub(start); after > 90*time.Second {
		t.Errorf("run 1 went on for %v after k2's apiserver was stopped; with 30 s Helm and address timeouts it should end well within 90 s", after)
	}
	if e := bedtest.Event(first, IDBase, "k2"); e.Status != steps.Passed {
		t.Errorf("istio-base@k2: %s %s", e.Status, e.Message)
	}
	var k2Bad int
	for _, e := range first.Steps {
		if e.Step.Cluster == "k2" && (e.Status == steps.Failed || e.Status == steps.Skipped) {
			k2Bad++
		}
	}
	if k2Bad == 0 || !first.Failed() {
		t.Errorf("run 1 has no failed or skipped step in k2 although its apiserver was gone")
	}

	// What run 1 left behind (seen once k2 is back).
	if err := k2.StartAPIServer(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"k1", "k2"} {
		c := bedtest.Admin(t, b, name)
		rec, err := ReadRecord(t.Context(), c)
		var objs []string
		if rec != nil {
			for _, o := range rec.Objects {
				objs = append(objs, o.Kind+"/"+o.Name+"("+o.Change+")")
			}
		}
		var remote []string
		if l, err := c.Kube.CoreV1().Secrets(Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: MultiClusterLbl + "=true"}); err == nil {
			for _, s := range l.Items {
				remote = append(remote, s.Name)
			}
		}
		t.Logf("after run 1, %s: Helm %v; remote secrets %v; record %v (err %v)", name, releaseRevisions(t, c), remote, objs, err)
	}

	// Run 2, same mesh config and clients: finishes the job.
	env.HelmTimeout, env.AddressTimeout = 2*time.Minute, time.Minute
	start = time.Now()
	second := install(t, t.Context(), cfg, env)
	t.Logf("run 2 took %v:\n%s", time.Since(start).Round(time.Millisecond), bedtest.DescribeRun(second))
	for _, e := range second.Steps {
		if e.Status == steps.Skipped && e.Step.ID != IDInjection && e.Step.ID != IDMeshMTLS {
			t.Errorf("run 2: %s skipped: %s", e.Step, e.Message)
		}
	}
	checkInstalledOnce(t, b, "run 2")

	// Run 3: Helm finds every release up to date (or upgrades it in place).
	third := install(t, t.Context(), cfg, env)
	t.Logf("run 3:\n%s", bedtest.DescribeRun(third))
	for _, e := range third.Steps {
		if e.Step.ID != IDBase && e.Step.ID != IDIstiod {
			continue
		}
		if e.Status != steps.Passed || !(strings.Contains(e.Message, "is up to date") || strings.HasPrefix(e.Message, "upgraded")) {
			t.Errorf("run 3: %s %s: %s", e.Step, e.Status, e.Message)
		}
	}
	checkInstalledOnce(t, b, "run 3")
}

// checkInstalledOnce asserts that k1 and k2 hold exactly one of everything:
// the releases istio-base and istiod (one deployed revision each, none
// pending or failed), one remote secret for the other cluster, and a record
// without duplicate entries.
func checkInstalledOnce(t *testing.T, b *testbed.Bed, when string) {
	t.Helper()
	for _, name := range []string{"k1", "k2"} {
		other := map[string]string{"k1": "k2", "k2": "k1"}[name]
		c := bedtest.Admin(t, b, name)

		revs := releaseRevisions(t, c)
		var names []string
		for n := range revs {
			names = append(names, n)
		}
		slices.Sort(names)
		if strings.Join(names, ",") != ReleaseBase+","+ReleaseIstiod {
			t.Errorf("%s, %s: Helm releases %v, want exactly istio-base and istiod", when, name, revs)
		}
		for n, list := range revs {
			deployed := 0
			for _, r := range list {
				_, status, _ := strings.Cut(r, ":")
				switch release.Status(status) {
				case release.StatusDeployed:
					deployed++
				case release.StatusSuperseded:
				default:
					t.Errorf("%s, %s: release %s has a %s revision: %v", when, name, n, status, list)
				}
			}
			if deployed != 1 {
				t.Errorf("%s, %s: release %s has %d deployed revisions: %v", when, name, n, deployed, list)
			}
		}

		secrets, err := c.Kube.CoreV1().Secrets(Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: MultiClusterLbl + "=true"})
		if err != nil {
			t.Fatal(err)
		}
		var remote []string
		for _, s := range secrets.Items {
			remote = append(remote, s.Name+"→"+s.Annotations[ClusterAnno])
		}
		if len(remote) != 1 || remote[0] != mesh.RemoteSecretName(other)+"→"+other {
			t.Errorf("%s, %s: remote secrets %v, want only %s for %s", when, name, remote, mesh.RemoteSecretName(other), other)
		}
		if dep, err := c.Kube.AppsV1().Deployments(Namespace).Get(t.Context(), "istiod", getOpts); err != nil || dep.Status.AvailableReplicas < 1 {
			t.Errorf("%s, %s: istiod Deployment not available: %v", when, name, err)
		}

		rec, err := ReadRecord(t.Context(), c)
		if err != nil || rec == nil {
			t.Fatalf("%s, %s: record %v %v", when, name, rec, err)
		}
		seen := map[string]Object{}
		for _, o := range rec.Objects {
			key := o.APIVersion + " " + o.Kind + " " + o.Namespace + "/" + o.Name
			if prev, dup := seen[key]; dup {
				t.Errorf("%s, %s: the record lists %s twice: %+v and %+v", when, name, key, prev, o)
			}
			seen[key] = o
		}
		for _, want := range []string{"v1 Namespace /" + Namespace, "v1 Secret " + Namespace + "/" + CACertsSecret,
			"helm.sh/v3 Release " + Namespace + "/" + ReleaseBase, "helm.sh/v3 Release " + Namespace + "/" + ReleaseIstiod,
			"v1 Secret " + Namespace + "/" + ReaderToken, "v1 Secret " + Namespace + "/" + mesh.RemoteSecretName(other),
			"v1 ConfigMap " + Namespace + "/" + RecordName} {
			if _, ok := seen[want]; !ok {
				t.Errorf("%s, %s: the record lacks %s", when, name, want)
			}
		}
		if o := seen["v1 Namespace /"+Namespace]; o.Change != "created" {
			t.Errorf("%s, %s: the record says meshwiz %s istio-system, but meshwiz created it", when, name, o.Change)
		}
	}
}
