package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/steps"
)

func checkTrustRoots(ctx context.Context, p *plan) (steps.Result, error) {
	ok, down := p.reachableMembers(ctx)
	roots := map[string]*Root{}
	byPrint := map[string][]string{}
	for _, m := range ok {
		r, err := m.facts.CARoot(ctx)
		if err != nil {
			return steps.Result{}, err
		}
		if r != nil {
			roots[m.context()] = r
			byPrint[r.Fingerprint] = append(byPrint[r.Fingerprint], m.context())
		}
	}
	res := steps.Result{Details: map[string]any{"roots": roots}}
	switch {
	case len(roots) == 0:
		return res, steps.Skip("no cluster has a cacerts secret yet%s", notCompared(down))
	case len(byPrint) > 1:
		var parts []string
		for _, fp := range sortedKeys(byPrint) {
			parts = append(parts, fmt.Sprintf("%s: sha256 %s…", strings.Join(byPrint[fp], ", "), fp[:16]))
		}
		return res, fmt.Errorf("the cacerts roots differ: %s", strings.Join(parts, "; "))
	}
	for fp := range byPrint {
		res.Message = fmt.Sprintf("%d cluster(s) share root sha256 %s…%s", len(roots), fp[:16], notCompared(down))
	}
	return res, nil
}

func checkConsistency(ctx context.Context, p *plan) (steps.Result, error) {
	ok, down := p.reachableMembers(ctx)
	domains := map[string][]string{}
	versions := map[string][]string{}
	for _, m := range ok {
		td, err := m.facts.TrustDomain(ctx)
		if err != nil {
			return steps.Result{}, err
		}
		if td != "" {
			domains[td] = append(domains[td], m.context())
		}
		ist, err := m.facts.Istiods(ctx)
		if err != nil {
			return steps.Result{}, err
		}
		for _, x := range ist {
			versions[x.Version] = append(versions[x.Version], m.context())
		}
	}
	details := map[string]any{"trustDomains": domains, "versions": versions}
	describe := func(m map[string][]string) string {
		var parts []string
		for _, k := range sortedKeys(m) {
			parts = append(parts, fmt.Sprintf("%s (%s)", k, strings.Join(m[k], ", ")))
		}
		return strings.Join(parts, ", ")
	}
	var problems []string
	if len(domains) > 1 {
		problems = append(problems, "trust domains differ: "+describe(domains))
	}
	if len(problems) > 0 {
		return steps.Result{Details: details}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	if len(versions) > 1 {
		return steps.Result{Details: details}, steps.Warnf("Istio versions differ: %s", describe(versions))
	}
	if len(domains) == 0 && len(versions) == 0 {
		return steps.Result{Details: details}, steps.Skip("no existing Istio in the selected clusters%s", notCompared(down))
	}
	return steps.Result{Details: details, Message: "trust domain " + describe(domains)}, nil
}
