package checks

import (
	"context"
	"fmt"
	"sync"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// Access is one permission the install needs.
type Access struct {
	Verb        string `json:"verb"`
	Group       string `json:"group,omitempty"`
	Resource    string `json:"resource"`
	Subresource string `json:"subresource,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
}

func (a Access) String() string {
	r := a.Resource
	if a.Subresource != "" {
		r += "/" + a.Subresource
	}
	if a.Group != "" {
		r += "." + a.Group
	}
	s := a.Verb + " " + r
	if a.Namespace != "" {
		s += " in " + a.Namespace
	}
	return s
}

// InstallAccess is everything meshwiz's install creates or changes: the
// charts' CRDs, cluster roles and webhooks, the namespace and its labels, the
// control plane's objects in istio-system, and the remote-secret reader token
// (a service-account-token Secret, read back once filled: no TokenRequest).
var InstallAccess = []Access{
	{Verb: "create", Resource: "namespaces"},
	{Verb: "patch", Resource: "namespaces"},
	{Verb: "create", Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
	{Verb: "create", Group: "admissionregistration.k8s.io", Resource: "mutatingwebhookconfigurations"},
	{Verb: "create", Group: "admissionregistration.k8s.io", Resource: "validatingwebhookconfigurations"},
	{Verb: "create", Resource: "serviceaccounts", Namespace: IstioNamespace},
	{Verb: "get", Resource: "secrets", Namespace: IstioNamespace}, // the filled reader token
	{Verb: "create", Resource: "secrets", Namespace: IstioNamespace},
	{Verb: "create", Resource: "configmaps", Namespace: IstioNamespace},
	{Verb: "create", Resource: "services", Namespace: IstioNamespace},
	{Verb: "create", Group: "apps", Resource: "deployments", Namespace: IstioNamespace},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "roles", Namespace: IstioNamespace},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "rolebindings", Namespace: IstioNamespace},
	{Verb: "create", Group: "policy", Resource: "poddisruptionbudgets", Namespace: IstioNamespace},
	{Verb: "create", Group: "autoscaling", Resource: "horizontalpodautoscalers", Namespace: IstioNamespace},
}

// accessParallelism bounds concurrent SelfSubjectAccessReviews per cluster.
const accessParallelism = 4

// Denied asks the API server, with one SelfSubjectAccessReview per entry of
// InstallAccess, which of them the credentials may not do.
func (f *Facts) Denied(ctx context.Context) ([]Access, error) {
	return f.denied.get(func() ([]Access, error) {
		allowed := make([]bool, len(InstallAccess))
		errs := make([]error, len(InstallAccess))
		sem := make(chan struct{}, accessParallelism)
		var wg sync.WaitGroup
		for i, a := range InstallAccess {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				review := &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
					ResourceAttributes: &authzv1.ResourceAttributes{Verb: a.Verb, Group: a.Group, Resource: a.Resource,
						Subresource: a.Subresource, Namespace: a.Namespace}}}
				res, err := f.Client.Kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
				if err != nil {
					errs[i] = f.wrap(fmt.Sprintf("asking whether it may %s", a), err)
					return
				}
				allowed[i] = res.Status.Allowed
			})
		}
		wg.Wait()
		var denied []Access
		for i, a := range InstallAccess {
			if errs[i] != nil {
				return nil, errs[i]
			}
			if !allowed[i] {
				denied = append(denied, a)
			}
		}
		return denied, nil
	})
}

func checkRBAC(ctx context.Context, _ *plan, c *member) (steps.Result, error) {
	denied, err := c.facts.Denied(ctx)
	if err != nil {
		return steps.Result{}, err
	}
	if len(denied) > 0 {
		names := make([]string, len(denied))
		for i, d := range denied {
			names[i] = d.String()
		}
		return steps.Result{Details: map[string]any{"missing": denied}},
			fmt.Errorf("%d of %d permissions missing: %s", len(denied), len(InstallAccess), firstN(names, 6))
	}
	return steps.Result{Message: fmt.Sprintf("all %d permissions granted", len(InstallAccess))}, nil
}
