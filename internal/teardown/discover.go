package teardown

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// Discover reads every selected cluster concurrently and classifies what it
// finds. A cluster that does not answer, or whose discovery fails, gets an
// entry with the error and nothing else (and is left alone by Plan). The
// error is only for unusable options.
func Discover(ctx context.Context, opts Options) (*Inventory, error) {
	if len(opts.Clients) == 0 {
		return nil, errors.New("no cluster selected for teardown")
	}
	seen := map[string]bool{}
	for _, c := range opts.Clients {
		if c == nil {
			return nil, errors.New("a selected cluster has no client")
		}
		if seen[c.Context] {
			return nil, fmt.Errorf("context %q is selected twice", c.Context)
		}
		seen[c.Context] = true
	}
	opts = opts.withDefaults()
	inv := &Inventory{PurgeCRDs: opts.PurgeCRDs, opts: opts, Clusters: make([]*Cluster, len(opts.Clients))}
	var wg sync.WaitGroup
	for i, c := range opts.Clients {
		wg.Go(func() { inv.Clusters[i] = discoverCluster(ctx, c, opts) })
	}
	wg.Wait()
	linkPointers(inv)
	for i, in := range opts.Include {
		if !slices.ContainsFunc(inv.Clusters, func(c *Cluster) bool { return c.owner != nil && c.owner.matched[i] }) {
			inv.UnmatchedIncludes = append(inv.UnmatchedIncludes, in.String())
		}
	}
	return inv, nil
}

// scan is the discovery of one cluster.
type scan struct {
	c     *kube.Client
	meta  metadata.Interface
	cl    *Cluster
	own   *owner
	opts  Options
	nsObj *metav1.ObjectMeta // istio-system, nil when absent
}

func discoverCluster(ctx context.Context, c *kube.Client, opts Options) *Cluster {
	cl := &Cluster{Context: c.Context, Server: c.Server, client: c}
	if _, err := c.ServerVersion(ctx, opts.ProbeTimeout); err != nil {
		cl.fail(err)
		return cl
	}
	ctx, cancel := context.WithTimeout(ctx, opts.DiscoverTimeout)
	defer cancel()
	meta, err := metadata.NewForConfig(c.Config)
	if err != nil {
		cl.fail(err)
		return cl
	}
	s := &scan{c: c, meta: meta, cl: cl, opts: opts}
	if err := s.run(ctx); err != nil {
		*cl = Cluster{Context: c.Context, Server: c.Server, client: c}
		cl.fail(err)
		return cl
	}
	cl.Reachable = true
	return cl
}

// fail turns the cluster into an error entry.
func (cl *Cluster) fail(err error) {
	reason, _, hint := kube.Classify(err)
	var ce *kube.ContextError
	msg := err.Error()
	if !errors.As(err, &ce) {
		msg = fmt.Sprintf("context %q: %v", cl.Context, err)
	}
	cl.Reachable, cl.Error, cl.Reason, cl.Hint = false, msg, reason, hint
}

func (s *scan) run(ctx context.Context) error {
	s.c.Discovery.Invalidate() // CRDs come and go between runs
	rec, err := install.ReadRecord(ctx, s.c)
	if err != nil {
		return err
	}
	s.own = newOwner(rec, s.opts.Include)
	s.cl.owner = s.own
	if rec != nil {
		s.cl.HasRecord, s.cl.Name, s.cl.MeshID = true, rec.Cluster, rec.MeshID
	}
	for _, f := range []func(context.Context) error{
		s.namespace, s.releases, s.secrets, s.reader, s.webhooks, s.exposure, s.labels,
		s.foreignIstiod, s.crds, s.sidecars, s.runtime, s.recorded, s.labelled, s.istioSystem,
	} {
		if err := f(ctx); err != nil {
			return err
		}
	}
	if rec != nil {
		s.add(Object{Category: CatRecord, Kind: "ConfigMap", APIVersion: "v1", Namespace: install.Namespace, Name: install.RecordName,
			Action: Remove, Reason: "meshwiz's record of what it created here: removed last", gvr: gvrConfigMap})
	}
	sortObjects(s.cl.Objects)
	return nil
}

func (s *scan) add(o Object) { s.cl.Objects = append(s.cl.Objects, o) }

func (s *scan) wrap(op string, err error) error {
	return &kube.ContextError{Context: s.c.Context, Server: s.c.Server, Op: op, Err: err}
}

// namespace reads istio-system (the topology annotation tells a remote).
func (s *scan) namespace(ctx context.Context) error {
	ns, err := s.c.Kube.CoreV1().Namespaces().Get(ctx, install.Namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return s.wrap("reading namespace "+install.Namespace, err)
	}
	s.nsObj = &ns.ObjectMeta
	s.cl.ControlPlane = ns.Annotations[install.ControlPlaneAnno]
	return nil
}

// releases lists the Helm releases in istio-system, newest revision of
// each, whatever their state (a half-finished setup leaves pending or
// failed ones).
func (s *scan) releases(ctx context.Context) error {
	cfg, err := s.c.Helm(install.Namespace, nil)
	if err != nil {
		return err
	}
	all, err := cfg.Releases.ListReleases()
	if err != nil {
		return s.wrap("listing Helm releases in "+install.Namespace, err)
	}
	latest := map[string]*release.Release{}
	for _, r := range all {
		if l := latest[r.Name]; l == nil || r.Version > l.Version {
			latest[r.Name] = r
		}
	}
	names := make([]string, 0, len(latest))
	for n := range latest {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := latest[n]
		s.own.existing[n] = true
		o := Object{Category: CatRelease, Kind: "Release", APIVersion: "helm.sh/v3", Namespace: install.Namespace, Name: n}
		chart, version := "", ""
		if r.Chart != nil && r.Chart.Metadata != nil {
			chart, version = r.Chart.Metadata.Name, r.Chart.Metadata.Version
		}
		status := "unknown"
		if r.Info != nil {
			status = r.Info.Status.String()
		}
		o.Chart = chart
		o.Detail = fmt.Sprintf("chart %s %s, revision %d, %s", chart, version, r.Version, status)
		switch {
		case s.own.included("Release", install.Namespace, n):
			o.Action, o.Reason = Remove, ReasonIncluded
		case s.own.releases[n]:
			o.Action, o.Reason = Remove, ReasonRecord
		default:
			o.Action, o.Reason = Keep, ReasonNotOurs
		}
		if chart == "istiod" && o.Action == Remove {
			s.istiodValues(r.Config)
		}
		s.add(o)
	}
	return nil
}

// istiodValues learns the cluster's mesh name and role from istiod's values.
func (s *scan) istiodValues(v map[string]any) {
	get := func(path ...string) any {
		var cur any = v
		for _, p := range path {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[p]
		}
		return cur
	}
	if n, ok := get("global", "multiCluster", "clusterName").(string); ok && s.cl.Name == "" {
		s.cl.Name = n
	}
	if id, ok := get("global", "meshID").(string); ok && s.cl.MeshID == "" {
		s.cl.MeshID = id
	}
	if ext, ok := get("global", "externalIstiod").(bool); ok && ext {
		s.cl.ServesRemotes = true
	}
}

// linkPointers notes, for every cluster, the remote secrets in the other
// selected clusters that open its API.
func linkPointers(inv *Inventory) {
	for _, y := range inv.Clusters {
		for _, o := range y.Objects {
			if o.Category != CatRemoteSecret || o.PointsAt == "" {
				continue
			}
			for _, x := range inv.Clusters {
				if x == y {
					continue
				}
				match := x.Reachable && x.meshName() == o.PointsAt
				if !x.Reachable || x.Name == "" {
					match = match || x.Context == o.PointsAt || mesh.SuggestName(x.Context) == o.PointsAt
				}
				if match {
					x.PointedAtBy = append(x.PointedAtBy, Pointer{Cluster: y.Context, Namespace: o.Namespace, Name: o.Name, Action: o.Action})
				}
			}
		}
	}
}

// RecordProbe is what FindRecords found behind one kube context.
type RecordProbe struct {
	Client *kube.Client
	// Record is meshwiz's record there; nil when there is none (or Err).
	Record *install.Record
	// Err is set when the cluster did not answer or the record is unreadable.
	Err error
}

// FindRecords reads meshwiz's record in every cluster concurrently, each
// bounded by timeout (for --all-from-record: which contexts hold a mesh).
func FindRecords(ctx context.Context, clients []*kube.Client, timeout time.Duration) []RecordProbe {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	out := make([]RecordProbe, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			out[i].Client = c
			if _, err := c.ServerVersion(ctx, timeout); err != nil {
				out[i].Err = err
				return
			}
			out[i].Record, out[i].Err = install.ReadRecord(ctx, c)
		})
	}
	wg.Wait()
	return out
}

// categoryOrder is the order in which Plan removes the categories.
var categoryOrder = []Category{CatRemoteSecret, CatExposure, CatRecorded, CatRelease, CatWebhook, CatRuntime, CatReader,
	CatCACerts, CatLabels, CatContent, CatNamespace, CatCRD, CatRecord}

// sortObjects orders objects as the plan removes them (releases: gateway,
// istiod, base), keeping discovery order otherwise.
func sortObjects(objs []Object) {
	rank := func(o Object) int {
		r := slices.Index(categoryOrder, o.Category) * 10
		if o.Category == CatRelease {
			r += slices.Index([]string{IDGateway, IDIstiod, IDBase}, releaseStep(o))
		}
		return r
	}
	slices.SortStableFunc(objs, func(a, b Object) int { return rank(a) - rank(b) })
}
