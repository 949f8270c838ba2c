package testbed

import (
	"path/filepath"
	"slices"
	"strings"
)

// kcmControllers are the controllers a bed cluster runs: what turns an
// install into ready objects and a teardown into nothing left behind -
// nodes that lose their not-ready taint once kwok reports them Ready (the
// node lifecycle controller), Deployments into ReplicaSets into (kwok) pods,
// Services and the manual Endpoints of a remote's istiod into
// EndpointSlices, ServiceAccounts with their token Secrets,
// kube-root-ca.crt, aggregated ClusterRoles, the ServiceCIDR's status, and
// namespace deletion with the garbage collection behind it. The other
// defaults (autoscaling, disruption budgets, jobs, volumes, quotas,
// certificate signing, node TTLs...) act on nothing the bed has but cost
// every cluster CPU while it idles (~10% of an idle cluster's);
// service-lb-controller is replaced by the bed's fake load-balancer assigner
// (lb.go). A cluster that needs another list sets --controllers in
// ClusterSpec.ControllerManagerFlags.
const kcmControllers = "node-lifecycle-controller,namespace-controller,garbage-collector-controller," +
	"deployment-controller,replicaset-controller,pod-garbage-collector-controller," +
	"endpoints-controller,endpointslice-controller,endpointslice-mirroring-controller," +
	"serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller," +
	"clusterrole-aggregation-controller,service-cidr-controller"

// startComponents writes the component kubeconfigs and starts
// kube-controller-manager, kube-scheduler and kwok for c. None of them opens
// a port: kcm and the scheduler run with --secure-port=0, kwok serves nothing.
func (b *Bed) startComponents(c *Cluster) error {
	p := c.pki
	kcmKC, err := writeComponentKubeconfig(p.dir, "kube-controller-manager", c.Server, p.caPEM, p.kcmCertPEM, p.kcmKeyPEM)
	if err != nil {
		return err
	}
	schedKC, err := writeComponentKubeconfig(p.dir, "kube-scheduler", c.Server, p.caPEM, p.schedCertPEM, p.schedKeyPEM)
	if err != nil {
		return err
	}
	// kwok plays every kubelet and updates nodes and pods of all namespaces;
	// it uses the admin identity, as in the recipe.
	kwokKC, err := writeComponentKubeconfig(p.dir, "kwok", c.Server, p.caPEM, p.adminCertPEM, p.adminKeyPEM)
	if err != nil {
		return err
	}

	if c.kcm, err = b.procs.start(c.Name, "kube-controller-manager", filepath.Join(b.binDir, "kube-controller-manager"), withFlags([]string{
		"--kubeconfig=" + kcmKC,
		"--authentication-kubeconfig=" + kcmKC,
		"--authorization-kubeconfig=" + kcmKC,
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + p.saKey,
		"--root-ca-file=" + p.caCert,
		"--cluster-signing-cert-file=" + p.caCert,
		"--cluster-signing-key-file=" + p.caKey,
		"--service-cluster-ip-range=" + c.ServiceCIDR,
		"--cluster-name=" + c.Name,
		"--controllers=" + kcmControllers,
		// With --use-service-account-credentials kcm creates a
		// ServiceAccount and a token per controller before starting it;
		// at the default 20 QPS that takes ~4 s and delays the
		// ServiceAccount controller (and so every new namespace's
		// "default" ServiceAccount).
		"--kube-api-qps=200",
		"--kube-api-burst=400",
	}, c.spec.ControllerManagerFlags)); err != nil {
		return err
	}
	if c.scheduler, err = b.procs.start(c.Name, "kube-scheduler", filepath.Join(b.binDir, "kube-scheduler"), []string{
		"--kubeconfig=" + schedKC,
		"--authentication-kubeconfig=" + schedKC,
		"--authorization-kubeconfig=" + schedKC,
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--leader-elect=false",
	}); err != nil {
		return err
	}
	if c.kwok, err = b.procs.start(c.Name, "kwok", filepath.Join(b.binDir, "kwok"), []string{
		"--kubeconfig=" + kwokKC,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=fake",
		"--node-lease-duration-seconds=40",
		// Pod IPs come from each node's spec.podCIDR; this is only the
		// fallback for nodes without one (the bed never creates such).
		"--cidr=" + nodeCIDR(c.PodCIDR, 0),
	}); err != nil {
		return err
	}
	return nil
}

// withFlags appends extra flags to base; an extra flag replaces a base flag
// of the same name.
func withFlags(base, extra []string) []string {
	out := make([]string, 0, len(base)+len(extra))
	for _, f := range base {
		name, _, _ := strings.Cut(f, "=")
		if !slices.ContainsFunc(extra, func(e string) bool { return strings.HasPrefix(e, name+"=") || e == name }) {
			out = append(out, f)
		}
	}
	return append(out, extra...)
}
