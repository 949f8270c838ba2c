package kube

import (
	"context"
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The two kinds of admission webhook configuration.
const (
	KindMutatingWebhooks   = "MutatingWebhookConfiguration"
	KindValidatingWebhooks = "ValidatingWebhookConfiguration"
)

// WebhookConfiguration is one admission webhook configuration of either
// kind, as checks, status and teardown read it.
type WebhookConfiguration struct {
	Kind string // KindMutatingWebhooks or KindValidatingWebhooks
	metav1.ObjectMeta
	// Services are the Services its webhooks call, once each and in order;
	// a webhook that calls a URL adds none.
	Services []types.NamespacedName
	// Calls counts its webhooks that call a Service.
	Calls int
}

// WebhookConfigurations lists the cluster's mutating, then validating,
// webhook configurations (two requests).
func (c *Client) WebhookConfigurations(ctx context.Context) ([]WebhookConfiguration, error) {
	api := c.Kube.AdmissionregistrationV1()
	muts, err := api.MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.wrap("listing mutating webhook configurations", err)
	}
	vals, err := api.ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.wrap("listing validating webhook configurations", err)
	}
	out := make([]WebhookConfiguration, 0, len(muts.Items)+len(vals.Items))
	for _, m := range muts.Items {
		refs := serviceRefs(m.Webhooks, func(h admissionv1.MutatingWebhook) *admissionv1.ServiceReference { return h.ClientConfig.Service })
		out = append(out, webhookConfiguration(KindMutatingWebhooks, m.ObjectMeta, refs))
	}
	for _, v := range vals.Items {
		refs := serviceRefs(v.Webhooks, func(h admissionv1.ValidatingWebhook) *admissionv1.ServiceReference { return h.ClientConfig.Service })
		out = append(out, webhookConfiguration(KindValidatingWebhooks, v.ObjectMeta, refs))
	}
	return out, nil
}

// serviceRefs is the Service each of hooks calls (nil for a URL).
func serviceRefs[H any](hooks []H, service func(H) *admissionv1.ServiceReference) []*admissionv1.ServiceReference {
	out := make([]*admissionv1.ServiceReference, len(hooks))
	for i, h := range hooks {
		out[i] = service(h)
	}
	return out
}

func webhookConfiguration(kind string, meta metav1.ObjectMeta, refs []*admissionv1.ServiceReference) WebhookConfiguration {
	w := WebhookConfiguration{Kind: kind, ObjectMeta: meta}
	for _, ref := range refs {
		if ref == nil {
			continue
		}
		w.Calls++
		if s := (types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}); !slices.Contains(w.Services, s) {
			w.Services = append(w.Services, s)
		}
	}
	return w
}

func (c *Client) wrap(op string, err error) error {
	return &ContextError{Context: c.Context, Server: c.Server, Op: op, Err: err}
}
