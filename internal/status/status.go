// Package status reads the state of a mesh meshwiz installed, as a plan of
// read-only steps for the steps engine: per cluster, the record, the Helm
// releases, istiod, the east-west gateway and its address, the remote
// secrets (which clusters this cluster's istiod reads) and Istio webhooks
// whose Service is gone; across the clusters, whether they form one mesh
// (one mesh ID, every istiod holding a remote secret for every other selected
// cluster). That last step is an inference from objects: it says so and
// points to `meshwiz verify`, which asks istiod itself. It changes nothing. `meshwiz status` renders the run like `meshwiz check`.
package status

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Step IDs (stable: JSON output and tests use them).
const (
	IDRecord        = "status/record"
	IDReleases      = "status/releases"
	IDIstiod        = "status/istiod"
	IDGateway       = "status/eastwest-gateway"
	IDRemoteSecrets = "status/remote-secrets"
	IDWebhooks      = "status/webhooks"
	IDMesh          = "status/mesh"
)

const rerunSetup = "run `meshwiz setup --config mesh.yaml` again: it finishes or repairs the install"

// cluster is what the steps of one cluster learned, for the mesh step.
type cluster struct {
	context string
	record  *install.Record
	primary bool     // an istiod Deployment runs here (set by the istiod step)
	reads   []string // cluster names in this cluster's remote secrets
}

type state struct {
	mu       sync.Mutex
	clusters map[string]*cluster
}

func (s *state) of(ctx string) *cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusters[ctx]
	if c == nil {
		c = &cluster{context: ctx}
		s.clusters[ctx] = c
	}
	return c
}

// Plan returns the status steps for the clusters (one client per kube
// context, in the order given).
func Plan(clients []*kube.Client) []steps.Step {
	st := &state{clusters: map[string]*cluster{}}
	var plan []steps.Step
	var all []steps.Ref
	for _, c := range clients {
		add := func(id, title, hint string, fn func(context.Context, *kube.Client, *cluster) (steps.Result, error)) {
			plan = append(plan, steps.Step{ID: id, Title: title, Hint: hint, Cluster: c.Context, Severity: steps.Error,
				Timeout: 30 * time.Second, Run: func(ctx context.Context, _ func(string)) (steps.Result, error) {
					return fn(ctx, c, st.of(c.Context))
				}})
			all = append(all, steps.Ref{ID: id, Cluster: c.Context})
		}
		add(IDRecord, "meshwiz's record of what it installed", "", record)
		add(IDReleases, "the Istio Helm releases are deployed", rerunSetup, releases)
		add(IDIstiod, "istiod is ready", "kubectl --context "+c.Context+" -n istio-system describe deployment istiod", istiod)
		add(IDGateway, "the east-west gateway has an address", "the gateway Service waits for a load balancer: check the cloud's LB controller, or set eastWestGateway.serviceType NodePort with externalIPs", gateway)
		add(IDRemoteSecrets, "remote secrets: the clusters this istiod reads", rerunSetup, remoteSecrets)
		add(IDWebhooks, "no Istio webhook points at a Service that is gone", "delete the stale webhook configuration (meshwiz teardown lists it) or reinstall istiod", webhooks)
	}
	if len(clients) > 1 {
		plan = append(plan, steps.Step{ID: IDMesh, Title: "the clusters look like one mesh (inferred from records and remote secrets)", Hint: rerunSetup, Severity: steps.Error,
			After: all, Run: func(context.Context, func(string)) (steps.Result, error) { return oneMesh(st, clients) }})
	}
	return plan
}

func record(ctx context.Context, c *kube.Client, cl *cluster) (steps.Result, error) {
	rec, err := install.ReadRecord(ctx, c)
	if err != nil {
		return steps.Result{}, err
	}
	if rec == nil {
		return steps.Result{}, steps.Warnf("no meshwiz record in %s/%s: meshwiz did not install a mesh here, or it was torn down", install.Namespace, install.RecordName)
	}
	cl.record = rec
	return steps.Result{Message: fmt.Sprintf("mesh %s, cluster %s, %d objects, updated %s", rec.MeshID, rec.Cluster, len(rec.Objects), rec.Updated)}, nil
}

func releases(ctx context.Context, c *kube.Client, cl *cluster) (steps.Result, error) {
	cfg, err := c.Helm(install.Namespace, nil)
	if err != nil {
		return steps.Result{}, err
	}
	list := action.NewList(cfg)
	list.All = true
	rels, err := list.Run()
	if err != nil {
		return steps.Result{}, fmt.Errorf("listing Helm releases in %s: %w", install.Namespace, err)
	}
	var ok, bad []string
	for _, r := range rels {
		if r.Namespace != install.Namespace {
			continue
		}
		d := fmt.Sprintf("%s (%s %s, revision %d)", r.Name, r.Chart.Metadata.Name, r.Chart.Metadata.Version, r.Version)
		if r.Info.Status == release.StatusDeployed {
			ok = append(ok, d)
		} else {
			bad = append(bad, d+" is "+string(r.Info.Status))
		}
	}
	switch {
	case len(bad) > 0:
		return steps.Result{}, fmt.Errorf("%s", strings.Join(bad, "; "))
	case len(ok) == 0:
		return steps.Result{}, steps.Skip("no Helm release in %s", install.Namespace)
	}
	return steps.Result{Message: "deployed: " + strings.Join(ok, ", ")}, nil
}

func istiod(ctx context.Context, c *kube.Client, cl *cluster) (steps.Result, error) {
	d, err := c.Kube.AppsV1().Deployments(install.Namespace).Get(ctx, "istiod", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return steps.Result{}, steps.Skip("no istiod Deployment: a remote cluster, or no Istio")
	}
	if err != nil {
		return steps.Result{}, err
	}
	cl.primary = true
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	msg := fmt.Sprintf("istiod %d/%d ready", d.Status.ReadyReplicas, want)
	if d.Status.ReadyReplicas < want || want == 0 {
		return steps.Result{}, fmt.Errorf("%s", msg)
	}
	return steps.Result{Message: msg}, nil
}

func gateway(ctx context.Context, c *kube.Client, _ *cluster) (steps.Result, error) {
	svc, err := c.Kube.CoreV1().Services(install.Namespace).Get(ctx, install.EastWestService, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return steps.Result{}, steps.Skip("no east-west gateway (one network, or a remote without one)")
	}
	if err != nil {
		return steps.Result{}, err
	}
	var addrs []string
	for _, in := range svc.Status.LoadBalancer.Ingress {
		addrs = append(addrs, in.IP+in.Hostname)
	}
	addrs = append(addrs, svc.Spec.ExternalIPs...)
	if len(addrs) == 0 {
		return steps.Result{}, fmt.Errorf("service %s/%s (%s) has no address: the other networks cannot reach this one", install.Namespace, install.EastWestService, svc.Spec.Type)
	}
	return steps.Result{Message: "address " + strings.Join(addrs, ", ")}, nil
}

func remoteSecrets(ctx context.Context, c *kube.Client, cl *cluster) (steps.Result, error) {
	list, err := c.Kube.CoreV1().Secrets(install.Namespace).List(ctx, metav1.ListOptions{LabelSelector: install.MultiClusterLbl + "=true"})
	if err != nil {
		return steps.Result{}, err
	}
	for _, s := range list.Items {
		cl.reads = append(cl.reads, secretClusters(s)...)
	}
	sort.Strings(cl.reads)
	if len(cl.reads) == 0 {
		return steps.Result{}, steps.Skip("no remote secret: this cluster's istiod reads no other cluster")
	}
	return steps.Result{Message: "reads " + strings.Join(cl.reads, ", ")}, nil
}

// secretClusters are the cluster names a remote secret holds (its data
// keys, one kubeconfig each).
func secretClusters(s corev1.Secret) []string {
	var out []string
	for k := range s.Data {
		out = append(out, k)
	}
	return out
}

func webhooks(ctx context.Context, c *kube.Client, _ *cluster) (steps.Result, error) {
	configs, err := c.WebhookConfigurations(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	// refs are the Services Istio's webhook configurations call, by "Kind name".
	type ref struct{ config, ns, name string }
	var refs []ref
	calls := 0
	for _, w := range configs {
		if !strings.Contains(w.Name, "istio") {
			continue
		}
		calls += w.Calls
		for _, svc := range w.Services {
			refs = append(refs, ref{w.Kind + " " + w.Name, svc.Namespace, svc.Name})
		}
	}
	var stale []string
	for _, r := range refs {
		if _, err := c.Kube.CoreV1().Services(r.ns).Get(ctx, r.name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			stale = append(stale, r.config+" → "+r.ns+"/"+r.name)
		}
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		return steps.Result{}, fmt.Errorf("webhooks call a Service that is gone (the next install fails on them): %s", strings.Join(slices.Compact(stale), "; "))
	}
	return steps.Result{Message: fmt.Sprintf("%d Istio webhooks, every Service there", calls)}, nil
}

// oneMesh checks, across the selected clusters, that the records name one
// mesh and that every istiod has a remote secret for every other selected
// cluster (an inference: whether istiod synced them is verify's job).
func oneMesh(st *state, clients []*kube.Client) (steps.Result, error) {
	ids := map[string][]string{}
	names := map[string]string{} // context → cluster name
	for _, c := range clients {
		cl := st.of(c.Context)
		if cl.record == nil {
			return steps.Result{}, steps.Skip("%s has no meshwiz record", c.Context)
		}
		ids[cl.record.MeshID] = append(ids[cl.record.MeshID], c.Context)
		names[c.Context] = cl.record.Cluster
	}
	if len(ids) > 1 {
		var parts []string
		for id, ctxs := range ids {
			parts = append(parts, fmt.Sprintf("%s in %s", id, strings.Join(ctxs, ", ")))
		}
		sort.Strings(parts)
		return steps.Result{}, fmt.Errorf("the clusters belong to different meshes: %s", strings.Join(parts, "; "))
	}
	var missing []string
	for _, c := range clients {
		cl := st.of(c.Context)
		if !cl.primary {
			continue
		}
		for _, o := range clients {
			if o.Context != c.Context && !slices.Contains(cl.reads, names[o.Context]) {
				missing = append(missing, fmt.Sprintf("istiod in %s does not read %s (no remote secret for it)", c.Context, o.Context))
			}
		}
	}
	if len(missing) > 0 {
		return steps.Result{}, fmt.Errorf("%s", strings.Join(missing, "; "))
	}
	for id := range ids {
		return steps.Result{Message: fmt.Sprintf("one mesh %s as far as the objects tell: every istiod has a remote secret for every other cluster; run `meshwiz verify` to ask istiod whether it has synced them and sees their endpoints", id)}, nil
	}
	return steps.Result{}, nil
}
