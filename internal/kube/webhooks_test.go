package kube

import (
	"slices"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/testbed"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// WebhookConfigurations reads both kinds from a real API server, with the
// Services their webhooks call once each, in order; a webhook that calls a
// URL counts as no call. (The webhooks have no rules: they are never called.)
func TestWebhookConfigurations(t *testing.T) {
	b := testbed.MustShared(t)
	beta := b.Cluster("beta")
	c := mustClient(t, Loader{Kubeconfig: b.Kubeconfig}, beta.Context)
	ctx := within(t, 30*time.Second)
	none := admissionv1.SideEffectClassNone
	svc := func(ns, name string) admissionv1.WebhookClientConfig {
		return admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: ns, Name: name}}
	}
	url := "https://example.invalid/inject"
	mut := func(name string, cc admissionv1.WebhookClientConfig) admissionv1.MutatingWebhook {
		return admissionv1.MutatingWebhook{Name: name, ClientConfig: cc, SideEffects: &none, AdmissionReviewVersions: []string{"v1"}}
	}
	api := c.Kube.AdmissionregistrationV1()
	if _, err := api.MutatingWebhookConfigurations().Create(ctx, &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "webhooks-test-injector"},
		Webhooks: []admissionv1.MutatingWebhook{mut("a.example.io", svc("istio-system", "istiod")), mut("b.example.io", admissionv1.WebhookClientConfig{URL: &url}),
			mut("c.example.io", svc("istio-system", "istiod")), mut("d.example.io", svc("other", "injector"))},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = api.MutatingWebhookConfigurations().Delete(t.Context(), "webhooks-test-injector", metav1.DeleteOptions{})
	})
	if _, err := api.ValidatingWebhookConfigurations().Create(ctx, &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "webhooks-test-validator"},
		Webhooks: []admissionv1.ValidatingWebhook{{Name: "v.example.io", ClientConfig: svc("istio-system", "istiod-canary"),
			SideEffects: &none, AdmissionReviewVersions: []string{"v1"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = api.ValidatingWebhookConfigurations().Delete(t.Context(), "webhooks-test-validator", metav1.DeleteOptions{})
	})

	all, err := c.WebhookConfigurations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]WebhookConfiguration{
		"webhooks-test-injector":  {Kind: KindMutatingWebhooks, Services: []types.NamespacedName{{Namespace: "istio-system", Name: "istiod"}, {Namespace: "other", Name: "injector"}}, Calls: 3},
		"webhooks-test-validator": {Kind: KindValidatingWebhooks, Services: []types.NamespacedName{{Namespace: "istio-system", Name: "istiod-canary"}}, Calls: 1},
	}
	for _, w := range all {
		exp, ok := want[w.Name]
		if !ok {
			continue
		}
		delete(want, w.Name)
		if w.Kind != exp.Kind || !slices.Equal(w.Services, exp.Services) || w.Calls != exp.Calls {
			t.Errorf("%s: got kind %s, services %q, %d calls; want %s, %q, %d", w.Name, w.Kind, w.Services, w.Calls, exp.Kind, exp.Services, exp.Calls)
		}
	}
	for name := range want {
		t.Errorf("%s is not listed", name)
	}
}
