package install

import (
	"context"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// Step IDs of the install plan (stable: used in JSON output and tests).
const (
	IDNamespace      = "install/namespace"
	IDCACerts        = "install/cacerts"
	IDBase           = "install/istio-base"
	IDIstiod         = "install/istiod"
	IDGateway        = "install/eastwest-gateway"
	IDGatewayAddress = "install/gateway-address"
	IDExposeIstiod   = "install/expose-istiod"
	IDExposeServices = "install/expose-services"
	IDReaderToken    = "install/reader-token"
	IDRemoteSecret   = "install/remote-secret/" // + source cluster name
	IDMeshMTLS       = "install/mesh-mtls"
	IDInjection      = "install/injection"
)

type stepFn func(ctx context.Context, progress func(string)) (steps.Result, error)

// builder appends steps phase by phase, so that a step may depend on any
// step of an earlier phase in any cluster.
type builder struct {
	r       *run
	steps   []steps.Step
	planned []*planned // what each step applies, for Export
}

// planned is what a step applies, as Export writes it: a Helm release, or
// meshwiz's own objects (from the builders the step applies, Secret data
// redacted). Waits have neither.
type planned struct {
	release string
	objects func() []map[string]any
}

// documents are the step's own objects, in apply order.
func (p *planned) documents() []map[string]any {
	if p.objects == nil {
		return nil
	}
	return p.objects()
}

func (b *builder) add(cl *mesh.Cluster, id, title, hint string, sev steps.Severity, timeout time.Duration, after []steps.Ref, fn stepFn) *planned {
	b.steps = append(b.steps, steps.Step{ID: id, Title: title, Label: label(id, cl), Hint: hint, Severity: sev, Cluster: cl.Context,
		Timeout: timeout, After: after, Run: fn})
	p := &planned{}
	b.planned = append(b.planned, p)
	return p
}

// helm adds the step that installs or upgrades release in cl.
func (b *builder) helm(cl *mesh.Cluster, id, title string, timeout time.Duration, after []steps.Ref, release string) {
	r := b.r
	b.add(cl, id, title, helmHint, steps.Fatal, timeout, after, func(ctx context.Context, p func(string)) (steps.Result, error) {
		return r.installRelease(ctx, cl, release, p)
	}).release = release
}

// objects makes a step's documents from the objects it applies.
func objects(docs ...map[string]any) func() []map[string]any {
	return func() []map[string]any { return docs }
}

// Plan builds the install steps for cfg, which must be defaulted and valid.
// Steps of one cluster run in order; clusters run concurrently; a remote's
// first step (with a LoadBalancer gateway) and its istiod wait for its
// primary's gateway address; a remote secret waits for its source's reader
// token (and its target's istiod, earlier in that lane).
func Plan(cfg *mesh.Config, env Env) ([]steps.Step, error) {
	b, err := plan(cfg, env)
	if err != nil {
		return nil, err
	}
	return b.steps, nil
}

// plan builds the steps and what each applies.
func plan(cfg *mesh.Config, env Env) (*builder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env.Charts.Kind == "" {
		env.Charts = ChartSource(cfg)
	}
	r := &run{cfg: cfg, env: env, gateways: map[string]string{}, tokens: map[string]readerToken{}, charts: map[string]*chart.Chart{}, records: map[string]*clusterRecord{}}
	helmTimeout := env.HelmTimeout
	if helmTimeout <= 0 {
		helmTimeout = 5 * time.Minute
	}
	addrTimeout := env.AddressTimeout
	if addrTimeout <= 0 {
		addrTimeout = 5 * time.Minute
	}
	helmStep, addrStep := helmTimeout+time.Minute, addrTimeout+30*time.Second
	b := &builder{r: r}
	all := make([]*mesh.Cluster, len(cfg.Clusters))
	for i := range cfg.Clusters {
		all[i] = &cfg.Clusters[i]
	}
	ref := func(id string, cl *mesh.Cluster) []steps.Ref { return []steps.Ref{{ID: id, Cluster: cl.Context}} }

	// Phase 1, every cluster: namespace, cacerts (before istiod starts), CRDs.
	phase1 := func(cl *mesh.Cluster, after []steps.Ref) {
		b.add(cl, IDNamespace, "istio-system exists with the cluster's topology labels", "", steps.Fatal, 0, after,
			func(ctx context.Context, _ func(string)) (steps.Result, error) { return r.ensureNamespace(ctx, cl) },
		).objects = objects(document(istioNamespace(cl)))
		b.add(cl, IDCACerts, "cacerts holds the cluster's intermediate of the mesh root", "remove the other cacerts (istiod must be restarted after), or bring that root with security.ca.mode: existing", steps.Fatal, 0, nil,
			func(ctx context.Context, _ func(string)) (steps.Result, error) { return r.ensureCACerts(ctx, cl) },
		).objects = func() []map[string]any {
			// An empty intermediate gives the Secret's keys; redacted drops the values.
			return []map[string]any{redacted(caCertsSecret((&certs.Intermediate{}).SecretData()), func(key string) string {
				return fmt.Sprintf("<redacted: %s of cluster %s, from %s>", key, cl.Name, cfg.Security.CA.Dir)
			})}
		}
		b.helm(cl, IDBase, "Helm release istio-base is deployed (CRDs, reader ServiceAccount)", helmStep, nil, ReleaseBase)
	}
	// Phase 2, primaries: istiod, then the east-west gateway where needed.
	for _, cl := range cfg.Primaries() {
		phase1(cl, nil)
		b.helm(cl, IDIstiod, "Helm release istiod is deployed and ready", helmStep, nil, ReleaseIstiod)
		b.gateway(cl, helmStep, addrStep, nil)
		if len(cfg.RemotesOf(cl.Name)) > 0 {
			b.add(cl, IDExposeIstiod, "istiod is exposed to remotes through the east-west gateway", "", steps.Fatal, time.Minute, nil,
				func(ctx context.Context, _ func(string)) (steps.Result, error) { return r.exposeIstiod(ctx, cl) },
			).objects = objects(istiodExposure())
		}
		if cfg.MultiNetwork() {
			b.add(cl, IDExposeServices, "services are exposed across networks (cross-network-gateway)", "", steps.Fatal, time.Minute, nil,
				func(ctx context.Context, _ func(string)) (steps.Result, error) { return r.exposeServices(ctx, cl) },
			).objects = objects(crossNetworkGateway())
		}
	}
	// A remote's lane starts once its primary's load balancer has given the
	// east-west gateway an address: a host name there is refused
	// (hostnameGateway), and only then known, so nothing may have been
	// applied to the remote yet. With NodePort the addresses are the
	// config's IPs and the remote starts at once.
	for _, cl := range cfg.Remotes() {
		var after []steps.Ref
		if cfg.EastWestGateway.ServiceType != mesh.NodePort {
			after = ref(IDGatewayAddress, cfg.Cluster(cl.Primary))
		}
		phase1(cl, after)
	}
	// Phase 3, remotes: istiod in the remote profile, pointed at the primary's gateway.
	for _, cl := range cfg.Remotes() {
		primary := cfg.Cluster(cl.Primary)
		b.helm(cl, IDIstiod, "Helm release istiod (remote profile) points at the primary", helmStep, ref(IDGatewayAddress, primary), ReleaseIstiod)
	}
	// Phase 4: reader tokens in every cluster another cluster's istiod reads.
	sources := readSources(cfg)
	for _, cl := range all {
		if len(sources[cl.Name]) > 0 {
			b.add(cl, IDReaderToken, "the reader ServiceAccount has a token for remote secrets", readerTokenHint, steps.Fatal, r.readerTokenTimeout()+30*time.Second, nil,
				func(ctx context.Context, p func(string)) (steps.Result, error) { return r.readerToken(ctx, cl, p) },
			).objects = objects(document(readerTokenSecret()))
		}
	}
	// Phase 5: remote secrets, in the lane of the cluster whose istiod reads.
	for _, target := range all {
		for _, src := range readersOf(cfg, target) {
			b.add(target, IDRemoteSecret+src.Name, fmt.Sprintf("istiod in %s can read cluster %s (remote secret)", target.Name, src.Name),
				"", steps.Fatal, time.Minute, ref(IDReaderToken, src),
				func(ctx context.Context, _ func(string)) (steps.Result, error) {
					return r.remoteSecret(ctx, src, target)
				},
			).objects = func() []map[string]any {
				server := src.Server
				if server == "" {
					server = "<API server of context " + src.Context + " from the kubeconfig>"
				}
				return []map[string]any{redacted(remoteSecretObject(src.Name, nil), func(string) string {
					return fmt.Sprintf("<redacted: kubeconfig for %s with server %s and the token of %s/%s>", src.Name, server, Namespace, ReaderSA)
				})}
			}
		}
	}
	// Phase 6: remotes on their own network get their gateway once attached.
	if cfg.MultiNetwork() {
		for _, cl := range cfg.Remotes() {
			b.gateway(cl, helmStep, addrStep, ref(IDRemoteSecret+cl.Name, cfg.Cluster(cl.Primary)))
		}
	}
	// Phase 7, every cluster: sidecar injection, and on primaries the
	// mesh-wide mTLS mode. A remote gets no PeerAuthentication: the istiod
	// that configures its sidecars is its primary's, and an istiod reads
	// Istio configuration from its own (config) cluster only; a remote
	// contributes service discovery (istio.io "Deployment models", control
	// plane models and "Install Primary-Remote": configuration is applied to
	// the primary). cacerts stays on remotes (phase 1): Istio's multicluster
	// "Before you begin" / "Configure trust" plugs a CA into every cluster.
	for _, cl := range all {
		if cl.Role == mesh.Primary {
			shown := b.add(cl, IDMeshMTLS, "mesh-wide mTLS mode is applied", "", steps.Fatal, time.Minute, nil,
				func(ctx context.Context, _ func(string)) (steps.Result, error) { return r.meshMTLS(ctx, cl) })
			if cfg.Security.MTLS == mesh.MTLSStrict {
				shown.objects = objects(strictMTLS())
			}
		}
		b.add(cl, IDInjection, "chosen namespaces have sidecar injection enabled", "", steps.Error, time.Minute, nil,
			func(ctx context.Context, _ func(string)) (steps.Result, error) { return r.injection(ctx, cl) },
		).objects = func() []map[string]any {
			var out []map[string]any
			for _, ns := range cl.InjectNamespaces {
				out = append(out, document(injectionNamespace(ns)))
			}
			return out
		}
	}
	return b, nil
}

const helmHint = "see the error above; `helm status <release> -n istio-system --kube-context <context>` shows the release, and running setup again repairs or upgrades it"

// gateway adds the east-west gateway release and the wait for its address.
func (b *builder) gateway(cl *mesh.Cluster, helmStep, addrStep time.Duration, after []steps.Ref) {
	if !b.r.cfg.NeedsEastWestGateway(cl) {
		return
	}
	r := b.r
	b.helm(cl, IDGateway, "Helm release istio-eastwestgateway is deployed", helmStep, after, ReleaseGateway)
	b.add(cl, IDGatewayAddress, "the east-west gateway has an external address", "", steps.Fatal, addrStep, nil,
		func(ctx context.Context, p func(string)) (steps.Result, error) {
			return r.waitGatewayAddress(ctx, cl, p)
		})
}

// readersOf lists the clusters whose remote secret goes into target: a
// primary reads every other cluster, in both models (Istio's design: each
// primary's istiod watches every cluster of the mesh; on a remote,
// topology.istio.io/controlPlaneClusters only picks the primary that manages
// it). Reading only its own remotes left a second primary blind to the
// first primary and its remotes: a split mesh.
func readersOf(cfg *mesh.Config, target *mesh.Cluster) []*mesh.Cluster {
	if target.Role != mesh.Primary {
		return nil
	}
	var out []*mesh.Cluster
	for i := range cfg.Clusters {
		if cl := &cfg.Clusters[i]; cl.Name != target.Name {
			out = append(out, cl)
		}
	}
	return out
}

// readSources maps each cluster name to the clusters that read it.
func readSources(cfg *mesh.Config) map[string][]string {
	out := map[string][]string{}
	for i := range cfg.Clusters {
		t := &cfg.Clusters[i]
		for _, src := range readersOf(cfg, t) {
			out[src.Name] = append(out[src.Name], t.Name)
		}
	}
	return out
}
