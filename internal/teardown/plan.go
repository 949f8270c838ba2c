package teardown

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/steps"
)

const (
	rerunHint  = "fix the cause shown above and run teardown again: it finishes what is left"
	helmHint   = "`helm status <release> -n istio-system --kube-context <context>` shows the release; running teardown again retries the uninstall"
	shortLimit = time.Minute
)

type stepFn = func(ctx context.Context, progress func(string)) (steps.Result, error)

// lane collects the steps of one cluster.
type lane struct {
	c     *Cluster
	steps []steps.Step
	after []steps.Ref // for the lane's first step after the remote secrets
}

func (l *lane) add(id, title, hint string, timeout time.Duration, fn stepFn) {
	s := steps.Step{ID: id, Title: title, Hint: hint, Severity: steps.Fatal, Cluster: l.c.Context, Timeout: timeout, Run: fn}
	if len(l.steps) == 0 {
		s.After, l.after = l.after, nil
	}
	l.steps = append(l.steps, s)
}

// Plan turns the inventory into steps for steps.Run. Every reachable
// cluster with something to remove gets a lane, in this order: remote
// secrets; meshwiz's exposure gateways, VirtualService and
// PeerAuthentication (after the remote secrets in the other selected
// clusters that point at this one are gone); other recorded objects; the
// east-west gateway release; istiod; leftover webhooks; what istiod wrote at
// run time; istio-base; the reader token and RBAC; cacerts; the labels
// meshwiz added; istio-system (only if meshwiz created it and nothing else
// is in it); the CRDs (only with PurgeCRDs or when included); the record.
// Every step is Fatal: a failure stops the rest of its cluster's lane, so
// the record stays and a re-run finishes. Unreachable clusters get no steps.
func Plan(inv *Inventory) ([]steps.Step, error) {
	if inv == nil {
		return nil, errors.New("teardown: no inventory")
	}
	opts := inv.opts.withDefaults()
	var plan []steps.Step
	lanes := map[string]*lane{}
	for _, c := range inv.Clusters {
		if !c.Reachable || c.NothingLeft() {
			continue
		}
		l := &lane{c: c}
		lanes[c.Context] = l
		if objs := c.Removes(CatRemoteSecret); len(objs) > 0 {
			plan = append(plan, steps.Step{ID: IDRemoteSecrets, Cluster: c.Context, Severity: steps.Fatal, Timeout: shortLimit, Hint: rerunHint,
				Title: "remote secrets meshwiz wrote here are removed (" + names(objs) + ")",
				Run:   deleteStep(c, objs)})
		}
	}
	for _, c := range inv.Clusters {
		l := lanes[c.Context]
		if l == nil {
			continue
		}
		for _, p := range c.PointedAtBy {
			if y := lanes[p.Cluster]; y != nil && p.Action == Remove && len(y.c.Removes(CatRemoteSecret)) > 0 {
				l.after = appendRef(l.after, steps.Ref{ID: IDRemoteSecrets, Cluster: p.Cluster})
			}
		}
		buildLane(l, opts)
		plan = append(plan, l.steps...)
	}
	if err := steps.Validate(plan); err != nil {
		return nil, err
	}
	return plan, nil
}

func appendRef(refs []steps.Ref, r steps.Ref) []steps.Ref {
	for _, x := range refs {
		if x == r {
			return refs
		}
	}
	return append(refs, r)
}

// buildLane adds one cluster's steps after its remote secrets.
func buildLane(l *lane, opts Options) {
	c := l.c
	if objs := c.Removes(CatExposure); len(objs) > 0 {
		l.add(IDExposure, "meshwiz's Istio gateway objects are removed ("+names(objs)+")", rerunHint, shortLimit, deleteStep(c, objs))
	}
	if objs := c.Removes(CatRecorded); len(objs) > 0 {
		l.add(IDRecorded, "other objects meshwiz created are removed ("+names(objs)+")", rerunHint, shortLimit, deleteStep(c, objs))
	}
	byStep := map[string][]Object{}
	for _, o := range c.Removes(CatRelease) {
		id := releaseStep(o)
		byStep[id] = append(byStep[id], o)
	}
	helmLimit := opts.HelmTimeout + time.Minute
	uninstall := func(id, what string) {
		if rels := byStep[id]; len(rels) > 0 {
			l.add(id, "Helm release "+names(rels)+" is uninstalled"+what, helmHint, helmLimit, uninstallStep(c, rels, opts.HelmTimeout))
		}
	}
	uninstall(IDGateway, "")
	uninstall(IDIstiod, "")
	if hooks := c.Removes(CatWebhook); len(hooks) > 0 || len(byStep[IDIstiod]) > 0 || len(byStep[IDBase]) > 0 {
		l.add(IDWebhooks, "no Istio webhook configuration of meshwiz's is left", rerunHint, shortLimit, webhookStep(c, hooks))
	}
	if objs := c.Removes(CatRuntime); len(objs) > 0 {
		l.add(IDRuntime, "what istiod wrote at run time is removed ("+countNames(objs)+")", rerunHint, shortLimit, deleteStep(c, objs))
	}
	uninstall(IDBase, " (Istio's CRDs stay: the chart keeps them)")
	if objs := c.Removes(CatReader); len(objs) > 0 {
		l.add(IDReader, "the reader token and RBAC meshwiz created are removed ("+names(objs)+")", rerunHint, shortLimit, deleteStep(c, objs))
	}
	if objs := c.Removes(CatCACerts); len(objs) > 0 {
		l.add(IDCACerts, "cacerts is removed", rerunHint, shortLimit, deleteStep(c, objs))
	}
	if objs := c.Removes(CatLabels); len(objs) > 0 {
		l.add(IDLabels, "labels meshwiz added to namespaces are removed ("+labelSummary(objs)+")", rerunHint, shortLimit, labelStep(c, objs))
	}
	crds := c.Removes(CatCRD)
	var sent *signal
	if ns, ok := c.Find("Namespace", "", install.Namespace); ok && ns.Category == CatNamespace {
		incl := c.Removes(CatContent)
		if len(crds) > 0 {
			sent = newSignal()
		}
		switch {
		case ns.Action == Remove:
			l.add(IDNamespace, "namespace "+install.Namespace+" is deleted", "", opts.NamespaceTimeout+time.Minute, namespaceStep(c, ns, incl, opts.NamespaceTimeout, sent))
		case len(ns.Labels)+len(ns.Annotations)+len(incl) > 0:
			l.add(IDNamespace, "namespace "+install.Namespace+" stays, without meshwiz's labels", "", shortLimit, namespaceStep(c, ns, incl, opts.NamespaceTimeout, sent))
		default:
			sent = nil
		}
	}
	if len(crds) > 0 {
		// Nothing in istio-system needs the CRDs any more: they go once
		// the namespace's deletion is sent, while the namespace controller
		// waits (5 s before it even starts: namespaceDeletionGracePeriod in
		// kubernetes' pkg/controller/namespace), and the record waits for
		// both. A Fatal failure of either still stops the record.
		l.add(IDCRDs, fmt.Sprintf("Istio's CRDs are deleted (%d)", len(crds)), crdHint, opts.CRDTimeout+time.Minute, crdStep(c, crds, opts.CRDTimeout, sent))
		l.steps[len(l.steps)-1].Beside = true
	}
	if c.HasRecord {
		rec := Object{Kind: "ConfigMap", Namespace: install.Namespace, Name: install.RecordName, gvr: gvrConfigMap}
		l.add(IDRecord, "meshwiz's record is removed", rerunHint, shortLimit, recordStep(c, rec))
	}
}

// releaseStep maps a release to the step that uninstalls it, by chart.
func releaseStep(o Object) string {
	switch {
	case o.Chart == "base" || (o.Chart == "" && o.Name == install.ReleaseBase):
		return IDBase
	case strings.HasPrefix(o.Chart, "istiod") || o.Chart == "istio-discovery" || (o.Chart == "" && o.Name == install.ReleaseIstiod):
		return IDIstiod
	}
	return IDGateway
}

// names lists the objects' names for a title.
func names(objs []Object) string {
	parts := make([]string, len(objs))
	for i, o := range objs {
		parts[i] = o.Name
	}
	if len(parts) > 4 {
		return strings.Join(parts[:4], ", ") + fmt.Sprintf(" and %d more", len(parts)-4)
	}
	return strings.Join(parts, ", ")
}

// countNames summarises many objects by kind and name.
func countNames(objs []Object) string {
	byName := map[string]int{}
	var order []string
	for _, o := range objs {
		k := o.Kind + " " + o.Name
		if byName[k] == 0 {
			order = append(order, k)
		}
		byName[k]++
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = k
		if n := byName[k]; n > 1 {
			parts[i] = fmt.Sprintf("%s in %d namespaces", k, n)
		}
	}
	return strings.Join(parts, ", ")
}

func labelSummary(objs []Object) string {
	parts := make([]string, len(objs))
	for i, o := range objs {
		parts[i] = o.Name + ": " + strings.Join(append(append([]string{}, o.Labels...), o.Annotations...), ", ")
	}
	return strings.Join(parts, "; ")
}
