package checks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// DefaultIstioVersion is the Istio minor line meshwiz installs.
const DefaultIstioVersion = "1.31"

// Support is one row of the Kubernetes support table: the Kubernetes minor
// versions an Istio minor line supports.
type Support struct {
	Istio   string // "1.31"
	MinKube int    // minimum Kubernetes minor (1.MinKube)
	MaxKube int    // newest tested Kubernetes minor (newer is a warning, not an error)
	Doc     string
}

// SupportTable is Istio's support-status table for the lines meshwiz knows:
// the "Supported Kubernetes Versions" column of
// https://istio.io/latest/docs/releases/supported-releases/ (its data file is
// data/compatibility/supportStatus.yml in istio/istio.io), newest first.
//   - 1.31: 1.32 to 1.37. The 1.31.0 announcement said 1.32 to 1.36; the
//     table gained 1.37 on 2026-09-30 ("update support k8s versions"). The
//     minimum equals istioctl's precheck in the embedded 1.31.0 module
//     (istioctl/pkg/install/k8sversion: MinK8SVersion = 32).
//   - 1.32: the table's development-line ("master") row, 1.32 to 1.37, which
//     1.32.0 was cut from; meshwiz installs 1.32.x only with charts from a
//     repo or a path (mesh.SupportedLines).
//   - 1.30 and 1.29 as published, for `check --istio-version` on clusters
//     that run them.
var SupportTable = []Support{
	{Istio: "1.32", MinKube: 32, MaxKube: 37},
	{Istio: "1.31", MinKube: 32, MaxKube: 37},
	{Istio: "1.30", MinKube: 32, MaxKube: 36},
	{Istio: "1.29", MinKube: 31, MaxKube: 35},
}

// LoopbackByFlag is the default LoopbackAcceptedBy: the command-line flag.
const LoopbackByFlag = "--allow-loopback-servers is set"

// Cluster is one cluster of a diagnostic run.
type Cluster struct {
	// Client is the cluster's client bundle; its Context names the cluster in
	// every message.
	Client *kube.Client
	// Name is the mesh cluster name (global.multiCluster.clusterName).
	Name string
	// Network is the cluster's network name (topology.istio.io/network).
	Network string
	// Server is the API server URL that will be written into remote secrets
	// for this cluster (default: the kubeconfig's). Set it when the
	// kubeconfig's address is not reachable from the other clusters.
	Server string
}

// Options configure a diagnostic plan.
type Options struct {
	Clusters []Cluster
	// MultiNetwork says every cluster has its own network: CIDR overlap is
	// then informational. Otherwise clusters share a network and overlap is fatal.
	MultiNetwork bool
	// IstioVersion is the Istio minor line to check against (default DefaultIstioVersion).
	IstioVersion string
	// Skip lists check IDs to report as skipped without running them.
	Skip []string
	// SkipFatal acknowledges that Skip names fatal checks (the install can
	// then break in ways the checks exist to prevent); without it, skipping
	// a fatal check is refused.
	SkipFatal bool
	// AllowLoopbackServers knowingly accepts API server addresses on loopback
	// (the sandbox and the test bed, where every cluster is on this machine).
	// The check still reports the address, as a warning.
	AllowLoopbackServers bool
	// LoopbackAcceptedBy says where AllowLoopbackServers was chosen, for the
	// warning ("... accepted because <this>"); default LoopbackByFlag.
	LoopbackAcceptedBy string
	// TokenFillGrace is how long an unfilled service-account-token Secret
	// may wait before cluster/reader-token counts it as evidence (default
	// DefaultTokenFillGrace).
	TokenFillGrace time.Duration
	// TokenProbeWait bounds cluster/reader-token's probe, which runs when
	// nothing read-only decides (default DefaultTokenProbeWait).
	TokenProbeWait time.Duration
	// Support overrides SupportTable (tests).
	Support []Support
}

func (o Options) support() (Support, error) {
	v := o.IstioVersion
	if v == "" {
		v = DefaultIstioVersion
	}
	table := o.Support
	if table == nil {
		table = SupportTable
	}
	for _, s := range table {
		if s.Istio == v || strings.HasPrefix(v, s.Istio+".") {
			return s, nil
		}
	}
	known := make([]string, len(table))
	for i, s := range table {
		known[i] = s.Istio
	}
	return Support{}, fmt.Errorf("Istio version %q is not one meshwiz knows (known: %s)", v, strings.Join(known, ", "))
}

// FatalIDs lists the checks that are fatal: with multiNetwork, the CIDR
// overlap checks are informational instead.
func FatalIDs(multiNetwork bool) []string {
	var ids []string
	for _, d := range perCluster {
		if d.severity == steps.Fatal {
			ids = append(ids, d.id)
		}
	}
	for _, d := range crossCluster {
		if d.severity == steps.Fatal || (d.topology && !multiNetwork) {
			ids = append(ids, d.id)
		}
	}
	return ids
}

// SkippedFatal returns the fatal checks that skip names, in skip's order.
func SkippedFatal(skip []string, multiNetwork bool) []string {
	fatal := FatalIDs(multiNetwork)
	var out []string
	for _, s := range skip {
		if slices.Contains(fatal, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// IDs lists every check ID, per-cluster first, for --skip validation and docs.
func IDs() []string {
	var ids []string
	for _, d := range perCluster {
		ids = append(ids, d.id)
	}
	for _, d := range crossCluster {
		ids = append(ids, d.id)
	}
	return ids
}

// SkipFatalError refuses to skip fatal checks without the acknowledgement.
type SkipFatalError struct{ IDs []string }

func (e *SkipFatalError) Error() string {
	return fmt.Sprintf("--skip %s: fatal checks guard against a broken mesh; pass --skip-fatal as well to skip them anyway", strings.Join(e.IDs, ", "))
}

func (o Options) validate() error {
	if len(o.Clusters) == 0 {
		return fmt.Errorf("no clusters selected: pass --context for each cluster")
	}
	ids := IDs()
	for _, s := range o.Skip {
		if !slices.Contains(ids, s) {
			return fmt.Errorf("--skip %q is not a check ID (known: %s)", s, strings.Join(ids, ", "))
		}
	}
	if fatal := SkippedFatal(o.Skip, o.MultiNetwork); len(fatal) > 0 && !o.SkipFatal {
		return &SkipFatalError{IDs: fatal}
	}
	for i, c := range o.Clusters {
		if c.Client == nil {
			return fmt.Errorf("cluster %d (%q) has no client", i, c.Name)
		}
	}
	_, err := o.support()
	return err
}
