package kube

import (
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
)

// The Services of a webhook configuration come once each, in order, from
// either kind; a webhook that calls a URL adds none.
func TestWebhookServices(t *testing.T) {
	svc := func(ns, name string) admissionv1.WebhookClientConfig {
		return admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: ns, Name: name}}
	}
	url := "https://example.invalid/inject"
	mut := &admissionv1.MutatingWebhookConfiguration{Webhooks: []admissionv1.MutatingWebhook{
		{ClientConfig: svc("istio-system", "istiod")},
		{ClientConfig: admissionv1.WebhookClientConfig{URL: &url}},
		{ClientConfig: svc("istio-system", "istiod")},
		{ClientConfig: svc("other", "injector")},
	}}
	if got, want := WebhookServices(mut), []string{"istio-system/istiod", "other/injector"}; !slices.Equal(got, want) {
		t.Errorf("mutating: got %q, want %q", got, want)
	}
	val := &admissionv1.ValidatingWebhookConfiguration{Webhooks: []admissionv1.ValidatingWebhook{
		{ClientConfig: svc("istio-system", "istiod-canary")},
	}}
	if got, want := WebhookServices(val), []string{"istio-system/istiod-canary"}; !slices.Equal(got, want) {
		t.Errorf("validating: got %q, want %q", got, want)
	}
	if got := WebhookServices(&admissionv1.ValidatingWebhookConfiguration{}); len(got) != 0 {
		t.Errorf("no webhooks: got %q, want none", got)
	}
}
