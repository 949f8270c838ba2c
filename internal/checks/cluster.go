package checks

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// clusterCheck is one per-cluster check, declared as data.
type clusterCheck struct {
	id, title, hint string
	severity        steps.Severity
	run             func(ctx context.Context, p *plan, c *member) (steps.Result, error)
}

// perCluster is the ordered table of per-cluster checks. The first one is
// fatal: when the API server does not answer, the others are not run.
var perCluster = []clusterCheck{
	{id: "cluster/api-reachable", title: "API server answers with the kubeconfig's credentials", severity: steps.Fatal,
		hint: "fix the kubeconfig context (server, CA, credentials) until `kubectl --context <ctx> version` works", run: checkReachable},
	{id: "cluster/k8s-version", title: "Kubernetes version is supported by the Istio version", severity: steps.Error,
		hint: "upgrade the cluster, or choose an Istio version that supports it: https://istio.io/latest/docs/releases/supported-releases/", run: checkKubeVersion},
	{id: "cluster/admissionregistration-v1", title: "admissionregistration.k8s.io/v1 is served (sidecar injection and validation)", severity: steps.Error,
		hint: "enable the admissionregistration.k8s.io/v1 API on the API server (kube-apiserver --runtime-config) and the MutatingAdmissionWebhook/ValidatingAdmissionWebhook admission plugins", run: checkAdmissionAPI},
	{id: "cluster/rbac", title: "credentials may create everything the install creates", severity: steps.Error,
		hint: "use a context bound to cluster-admin, or grant the missing permissions listed above", run: checkRBAC},
	{id: "cluster/reader-token", title: "the token controller fills service-account-token Secrets (remote secrets' reader token)", severity: steps.Error,
		hint: tokenHint, run: checkReaderToken},
	{id: "cluster/istio-installed", title: "existing Istio installation", severity: steps.Info,
		hint: "meshwiz will upgrade in place; for a clean start run `meshwiz teardown` first", run: checkIstioInstalled},
	{id: "cluster/istio-namespace-active", title: "istio-system is not being deleted", severity: steps.Error,
		hint: "wait for the namespace to go, or find what blocks it: `kubectl get namespace istio-system -o yaml` (finalizers) and the objects still in it", run: checkNamespaceActive},
	{id: "cluster/stale-webhooks", title: "no Istio webhook points at a Service that no longer exists", severity: steps.Error,
		hint: "delete the leftover webhook configurations listed above (they make the next install fail: istio/istio#34994, #38855)", run: checkStaleWebhooks},
	{id: "cluster/existing-ca", title: "existing mesh certificate authority", severity: steps.Info,
		hint: "an existing cacerts is kept and must share the mesh's root; istio-ca-secret means istiod already signed with its own root: workloads need a restart after switching to the shared root", run: checkExistingCA},
	{id: "cluster/node-pod-cidrs", title: "nodes carry pod CIDRs (needed to judge overlap)", severity: steps.Warning,
		hint: "without spec.podCIDRs meshwiz cannot tell whether pod ranges overlap; check your CNI's IP pools by hand", run: checkNodePodCIDRs},
}

// checkReachable asks for the server version (any failure to connect or
// authenticate: DNS, refused, timeout, TLS, 401, exec plugin) and reads
// namespace kube-system (403: authenticated, but not allowed much; reported
// as a warning so that the RBAC check can list what is missing).
func checkReachable(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	start := time.Now()
	v, err := c.facts.Version(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	msg := fmt.Sprintf("Kubernetes %s at %s (%s)", v.GitVersion, c.client().Server, time.Since(start).Round(time.Millisecond))
	if _, err := c.facts.KubeSystem(ctx); err != nil {
		if r, _, _ := kube.Classify(err); r == kube.ReasonForbidden {
			return steps.Result{}, steps.WithHint(steps.Warnf("%s, but the credentials may not read namespace kube-system (403 Forbidden): most checks will fail", msg),
				"use a context bound to cluster-admin (the RBAC check lists what these credentials lack)")
		}
		return steps.Result{}, err
	}
	return steps.Result{Message: msg}, nil
}

// kubeMinor parses the minor version of a Kubernetes version (GKE/EKS style
// "1.31+" minors included).
func kubeMinor(major, minor, git string) (int, error) {
	if major == "1" {
		if m, err := strconv.Atoi(strings.TrimRight(minor, "+")); err == nil {
			return m, nil
		}
	}
	v := strings.TrimPrefix(git, "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 && parts[0] == "1" {
		if m, err := strconv.Atoi(parts[1]); err == nil {
			return m, nil
		}
	}
	return 0, fmt.Errorf("cannot parse the server version %q", git)
}

func checkKubeVersion(ctx context.Context, p *plan, c *member) (steps.Result, error) {
	v, err := c.facts.Version(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	m, err := kubeMinor(v.Major, v.Minor, v.GitVersion)
	if err != nil {
		return steps.Result{}, err
	}
	s := p.support
	switch {
	case m < s.MinKube:
		return steps.Result{}, fmt.Errorf("Kubernetes %s is older than Istio %s supports (1.%d to 1.%d)", v.GitVersion, s.Istio, s.MinKube, s.MaxKube)
	case m > s.MaxKube:
		return steps.Result{}, steps.Warnf("Kubernetes %s is newer than Istio %s was tested with (1.%d to 1.%d)", v.GitVersion, s.Istio, s.MinKube, s.MaxKube)
	}
	return steps.Result{Message: fmt.Sprintf("%s (Istio %s supports 1.%d to 1.%d)", v.GitVersion, s.Istio, s.MinKube, s.MaxKube)}, nil
}

func checkAdmissionAPI(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	gv, err := c.facts.GroupVersions(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	if !gv["admissionregistration.k8s.io/v1"] {
		return steps.Result{}, fmt.Errorf("the API server does not serve admissionregistration.k8s.io/v1 (`kubectl api-versions` does not list it)")
	}
	return steps.Result{Message: "served"}, nil
}

func checkNodePodCIDRs(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	nodes, err := c.facts.Nodes(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	if len(nodes) == 0 {
		return steps.Result{}, fmt.Errorf("the cluster has no nodes")
	}
	var without []string
	for _, n := range nodes {
		if len(n.PodCIDRs) == 0 {
			without = append(without, n.Name)
		}
	}
	if len(without) > 0 {
		return steps.Result{Details: map[string]any{"nodesWithoutPodCIDR": without}},
			fmt.Errorf("%d of %d nodes have no spec.podCIDRs (%s): pod range overlap cannot be judged for them", len(without), len(nodes), firstN(without, 5))
	}
	return steps.Result{Message: plural(len(nodes), "node", "nodes") + ", all with pod CIDRs"}, nil
}

// plural renders a count with the right noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// firstN joins at most n names, saying how many more there are.
func firstN(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
