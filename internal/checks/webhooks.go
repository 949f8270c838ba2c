package checks

import (
	"context"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// Webhook is one Istio webhook configuration and the Services its webhooks call.
type Webhook struct {
	Kind     string   `json:"kind"` // MutatingWebhookConfiguration or ValidatingWebhookConfiguration
	Name     string   `json:"name"`
	Services []string `json:"services,omitempty"` // namespace/name
	// Missing lists the referenced Services that do not exist.
	Missing []string `json:"missing,omitempty"`
}

// isIstioWebhook tells Istio's webhook configurations apart from others by
// their names and labels (istio-sidecar-injector*, istio-validator*,
// istiod-default-validator, istio-revision-tag-*).
func isIstioWebhook(meta metav1.ObjectMeta) bool {
	if _, ok := meta.Labels["istio.io/rev"]; ok {
		return true
	}
	if meta.Labels["app"] == "sidecar-injector" || meta.Labels["app"] == "istiod" {
		return true
	}
	return strings.HasPrefix(meta.Name, "istio-") || strings.HasPrefix(meta.Name, "istiod-")
}

// IstioWebhooks lists Istio's webhook configurations and which of the
// Services they call are gone (the leftovers that break a reinstall).
func (f *Facts) IstioWebhooks(ctx context.Context) ([]Webhook, error) {
	all, err := f.webhooks.get(func() ([]kube.WebhookConfiguration, error) { return f.Client.WebhookConfigurations(ctx) })
	if err != nil {
		return nil, err
	}
	var istio []kube.WebhookConfiguration
	for _, w := range all {
		if isIstioWebhook(w.ObjectMeta) {
			istio = append(istio, w)
		}
	}
	existing, err := f.serviceNames(ctx, istio)
	if err != nil {
		return nil, err
	}
	var out []Webhook
	for _, w := range istio {
		hook := Webhook{Kind: w.Kind, Name: w.Name}
		for _, s := range w.Services {
			hook.Services = append(hook.Services, s.String())
			if !existing[s.Namespace][s.Name] {
				hook.Missing = append(hook.Missing, s.String())
			}
		}
		out = append(out, hook)
	}
	return out, nil
}

// serviceNames lists the Services of every namespace the webhooks refer to
// (one list per namespace, not one get per webhook).
func (f *Facts) serviceNames(ctx context.Context, hooks []kube.WebhookConfiguration) (map[string]map[string]bool, error) {
	if len(hooks) == 0 {
		return nil, nil
	}
	return f.istioSvcs.get(func() (map[string]map[string]bool, error) {
		out := map[string]map[string]bool{}
		for _, w := range hooks {
			for _, s := range w.Services {
				ns := s.Namespace
				if out[ns] != nil {
					continue
				}
				out[ns] = map[string]bool{}
				l, err := f.Client.Kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
				if err != nil {
					return nil, f.wrap("listing services in "+ns, err)
				}
				for _, svc := range l.Items {
					out[ns][svc.Name] = true
				}
			}
		}
		return out, nil
	})
}
