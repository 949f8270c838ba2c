package kube

import (
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
)

// WebhookConfiguration is either kind of admission webhook configuration.
type WebhookConfiguration interface {
	*admissionv1.MutatingWebhookConfiguration | *admissionv1.ValidatingWebhookConfiguration
}

// WebhookServices lists, once each and in order, the Services
// (namespace/name) that the webhooks of c call; webhooks that call a URL
// have none.
func WebhookServices[C WebhookConfiguration](c C) []string {
	var refs []*admissionv1.ServiceReference
	switch c := any(c).(type) {
	case *admissionv1.MutatingWebhookConfiguration:
		for _, h := range c.Webhooks {
			refs = append(refs, h.ClientConfig.Service)
		}
	case *admissionv1.ValidatingWebhookConfiguration:
		for _, h := range c.Webhooks {
			refs = append(refs, h.ClientConfig.Service)
		}
	}
	var out []string
	for _, ref := range refs {
		if ref == nil {
			continue
		}
		if s := ref.Namespace + "/" + ref.Name; !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
