// Package teardown finds what an Istio mesh installed by meshwiz left in each
// cluster, previews what removing it will break, and removes it in a safe
// order as a plan of steps for the steps engine.
//
// The flow has three parts, each usable on its own (the CLI and the wizard's
// teardown screen share them):
//
//	inv, err := teardown.Discover(ctx, opts)  // opts: Options{Clients: clients, ...}
//	breaks := inv.Preview()                    // what will break
//	lines := inv.Lines()                       // the inventory (and preview) as plain text lines
//	plan, err := teardown.Plan(inv)            // []steps.Step for steps.Run
//	sum, _ := steps.Run(ctx, plan, observer)
//	after, _ := teardown.Discover(ctx, opts)   // look again once the plan ran
//	err = after.Unfinished(sum)                // nil, or what is left where
//	left := teardown.LeftBehindLines(inv, after) // what stays, and why
//	doc := teardown.NewDocument(inv, &sum, after, result) // the JSON form
//
// Discovery reads every selected cluster concurrently: meshwiz's record
// (ConfigMap istio-system/meshwiz-record), objects labelled
// app.kubernetes.io/managed-by=meshwiz, the Helm releases in istio-system (in
// any state), Istio's webhook configurations, remote secrets (and, across the
// selected clusters, which of them point at which cluster), the reader
// ServiceAccount, RBAC and token, meshwiz's Istio gateway objects, cacerts,
// injection and topology labels on namespaces, Istio's CRDs with how many
// custom resources each holds, and the pods still running a sidecar. Every
// object found is classified: meshwiz created it (it is in the record,
// carries the managed-by label, or belongs to one of meshwiz's Helm
// releases) and it will be removed, or it is kept and the inventory says why.
// An object the user names with an Include is removed whoever created it.
// CRDs are removed only with PurgeCRDs: they hold user configuration.
//
// Every step is idempotent (an object already gone counts as removed),
// honours its context and reports progress, so a teardown interrupted half
// way, or one that could not reach a cluster, finishes when run again. The
// record goes last (with istio-system when meshwiz deletes that namespace,
// which only the CRD purge follows: the notes found CRDs delete reliably
// once the namespace is gone), so an interrupted teardown still knows what
// to finish.
package teardown

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// Step IDs of the teardown plan, in the order they run in one cluster
// (stable: used in JSON output and tests).
const (
	IDRemoteSecrets = "teardown/remote-secrets"
	IDExposure      = "teardown/exposure"
	IDRecorded      = "teardown/recorded"
	IDGateway       = "teardown/eastwest-gateway"
	IDIstiod        = "teardown/istiod"
	IDWebhooks      = "teardown/webhooks"
	IDRuntime       = "teardown/istiod-runtime"
	IDBase          = "teardown/istio-base"
	IDReader        = "teardown/reader"
	IDCACerts       = "teardown/cacerts"
	IDLabels        = "teardown/labels"
	IDNamespace     = "teardown/namespace"
	IDCRDs          = "teardown/crds"
	IDRecord        = "teardown/record"
)

// Names teardown looks for besides those of package install.
const (
	helmReleaseAnno   = "meta.helm.sh/release-name"
	helmNamespaceAnno = "meta.helm.sh/release-namespace"
	revLabel          = "istio.io/rev"
	sidecarContainer  = "istio-proxy"
	sidecarStatusAnno = "sidecar.istio.io/status"
	readerPrefix      = "istio-reader-"
	crdGroupSuffix    = "istio.io"
)

// Default bounds of Options.
const (
	DefaultProbeTimeout     = 10 * time.Second
	DefaultDiscoverTimeout  = 2 * time.Minute
	DefaultHelmTimeout      = 3 * time.Minute
	DefaultNamespaceTimeout = 3 * time.Minute
	DefaultCRDTimeout       = 3 * time.Minute
)

// Options select the clusters and say how far teardown goes.
type Options struct {
	// Clients are the selected clusters, one bundle per kube context.
	Clients []*kube.Client
	// PurgeCRDs also deletes Istio's CRDs and with them every custom
	// resource they hold (off by default: they hold user configuration).
	// CRDs of a Helm release or an Istio control plane meshwiz did not
	// install are kept unless included.
	PurgeCRDs bool
	// Include names objects meshwiz did not create that are to be removed
	// anyway (see ParseInclude).
	Include []Include

	// ProbeTimeout bounds the first request to each cluster (default
	// DefaultProbeTimeout); a cluster that does not answer is reported
	// unreachable and left alone.
	ProbeTimeout time.Duration
	// DiscoverTimeout bounds the discovery of one cluster.
	DiscoverTimeout time.Duration
	// HelmTimeout bounds each Helm uninstall including its wait for the
	// release's resources to be gone.
	HelmTimeout time.Duration
	// NamespaceTimeout bounds the wait for istio-system to be deleted.
	NamespaceTimeout time.Duration
	// CRDTimeout bounds the wait for the CRDs to be deleted.
	CRDTimeout time.Duration
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ProbeTimeout, DefaultProbeTimeout)
	def(&o.DiscoverTimeout, DefaultDiscoverTimeout)
	def(&o.HelmTimeout, DefaultHelmTimeout)
	def(&o.NamespaceTimeout, DefaultNamespaceTimeout)
	def(&o.CRDTimeout, DefaultCRDTimeout)
	return o
}

// Include names one object to remove although meshwiz did not create it.
type Include struct {
	// Kind is matched case-insensitively, singular or plural; a few short
	// names are accepted (crd, ns, cm, sa, mwc, vwc).
	Kind string
	// Namespace is empty for a cluster-scoped object.
	Namespace string
	Name      string
}

func (i Include) String() string {
	if i.Namespace == "" {
		return i.Kind + "/" + i.Name
	}
	return i.Kind + "/" + i.Namespace + "/" + i.Name
}

var kindAliases = map[string]string{
	"crd": "customresourcedefinition", "ns": "namespace", "cm": "configmap", "sa": "serviceaccount",
	"mwc": "mutatingwebhookconfiguration", "vwc": "validatingwebhookconfiguration", "helmrelease": "release",
	"vs": "virtualservice", "gw": "gateway", "pa": "peerauthentication",
}

// ParseInclude reads KIND/NAME (a cluster-scoped object) or
// KIND/NAMESPACE/NAME.
func ParseInclude(s string) (Include, error) {
	shown := s
	if len(shown) > 120 {
		shown = strings.ToValidUTF8(shown[:120], "") + "…"
	}
	bad := func(why string) (Include, error) {
		return Include{}, fmt.Errorf("--include %q: %s: want KIND/NAME for a cluster-scoped object or KIND/NAMESPACE/NAME (e.g. configmap/istio-system/my-config)", shown, why)
	}
	parts := strings.Split(s, "/")
	var in Include
	switch {
	case len(s) > 512:
		return bad("too long")
	case len(parts) == 2:
		in = Include{Kind: parts[0], Name: parts[1]}
	case len(parts) == 3:
		in = Include{Kind: parts[0], Namespace: parts[1], Name: parts[2]}
	default:
		return bad("not 2 or 3 parts")
	}
	if !kindRE.MatchString(in.Kind) {
		return bad("the kind is not a resource name")
	}
	if len(parts) == 3 && len(validation.IsDNS1123Label(in.Namespace)) > 0 {
		return bad("the namespace is not a namespace name")
	}
	if in.Name == "" || len(in.Name) > 253 || in.Name == "." || in.Name == ".." || strings.ContainsAny(in.Name, "% \t\n") {
		return bad("the name is not an object name")
	}
	return in, nil
}

// kindRE matches a kind or resource name as kubectl takes it (configmap,
// ConfigMaps, gateways.networking.istio.io).
var kindRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.-]{0,252}$`)

// matches reports whether the include names an object of kind in namespace ns.
func (i Include) matches(kind, ns, name string) bool {
	if i.Name != name || i.Namespace != ns {
		return false
	}
	want := strings.ToLower(i.Kind)
	if a, ok := kindAliases[want]; ok {
		want = a
	}
	k := strings.ToLower(kind)
	return want == k || want == k+"s" || (strings.HasSuffix(k, "y") && want == strings.TrimSuffix(k, "y")+"ies")
}
