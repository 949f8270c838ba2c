package teardown

import (
	"context"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
)

// nsCreated reports whether meshwiz created istio-system.
func (s *scan) nsCreated() bool {
	if s.nsObj == nil {
		return false
	}
	_, ok := s.own.recorded("Namespace", "", install.Namespace, "created")
	return ok || s.nsObj.Labels[install.ManagedByLabel] == install.ManagedByValue
}

// labels finds the injection and topology labels on namespaces (and the
// controlPlaneClusters annotation). Those the record says meshwiz set, with
// the value it set, go; the namespaces stay.
func (s *scan) labels(ctx context.Context) error {
	list, err := s.c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return s.wrap("listing namespaces", err)
	}
	for _, ns := range list.Items {
		if ns.Name == install.Namespace && s.nsCreated() {
			continue // the namespace itself goes, or is stripped by its own step
		}
		present := map[string]string{}
		for _, k := range []string{install.InjectionLabel, revLabel, install.NetworkLabel} {
			if v, ok := ns.Labels[k]; ok {
				present[k] = v
			}
		}
		if v, ok := ns.Annotations[install.ControlPlaneAnno]; ok {
			present[install.ControlPlaneAnno] = v
		}
		if len(present) == 0 {
			continue
		}
		rec, _ := s.own.recorded("Namespace", "", ns.Name, "labelled")
		set := labelKeys(rec.Detail)
		keys := make([]string, 0, len(present))
		for k := range present {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rm := Object{Category: CatLabels, Kind: "Namespace", APIVersion: "v1", Name: ns.Name, Action: Remove, Reason: "set by meshwiz (in its record)", gvr: gvrNamespace}
		kept := Object{Category: CatLabels, Kind: "Namespace", APIVersion: "v1", Name: ns.Name, Action: Keep, Reason: "not set by meshwiz", gvr: gvrNamespace}
		var rmParts, keptParts []string
		for _, k := range keys {
			want, ok := set[k]
			switch {
			case ok && want == present[k]:
				if k == install.ControlPlaneAnno {
					rm.Annotations = append(rm.Annotations, k)
				} else {
					rm.Labels = append(rm.Labels, k)
				}
				rmParts = append(rmParts, k+"="+present[k])
			case ok:
				kept.Reason = "changed since meshwiz set it"
				keptParts = append(keptParts, k+"="+present[k])
			default:
				keptParts = append(keptParts, k+"="+present[k])
			}
		}
		if len(rmParts) > 0 {
			rm.Detail = strings.Join(rmParts, ", ")
			s.add(rm)
		}
		if len(keptParts) > 0 {
			kept.Detail = strings.Join(keptParts, ", ")
			s.add(kept)
		}
	}
	return nil
}

// sidecars counts, per namespace, the pods that still run an Istio sidecar
// (an istio-proxy container, or injected: sidecar.istio.io/status).
func (s *scan) sidecars(ctx context.Context) error {
	pods, err := s.c.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return s.wrap("listing pods", err)
	}
	by := map[string]*Sidecars{}
	for _, p := range pods.Items {
		if p.Namespace == install.Namespace || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed || !hasSidecar(&p) {
			continue
		}
		sc := by[p.Namespace]
		if sc == nil {
			sc = &Sidecars{Namespace: p.Namespace}
			by[p.Namespace] = sc
		}
		sc.Pods++
		if len(sc.Examples) < 3 {
			sc.Examples = append(sc.Examples, p.Name)
		}
	}
	for _, sc := range by {
		s.cl.Sidecars = append(s.cl.Sidecars, *sc)
	}
	sort.Slice(s.cl.Sidecars, func(i, j int) bool { return s.cl.Sidecars[i].Namespace < s.cl.Sidecars[j].Namespace })
	return nil
}

func hasSidecar(p *corev1.Pod) bool {
	if _, ok := p.Annotations[sidecarStatusAnno]; ok {
		return true
	}
	for _, c := range append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
		if c.Name == sidecarContainer {
			return true
		}
	}
	return false
}
