package install

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// The objects meshwiz applies outside Helm, one builder each. The steps
// apply what these return, and Export writes the same objects (document,
// redacted), so that a plan shows exactly what setup applies.

var (
	namespaceType = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
	secretType    = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
)

// namespaceTopology is what istio-system carries in cl for Istio's
// topology: the network label and, on a remote, the annotation naming its
// primary (nil on a primary).
func namespaceTopology(cl *mesh.Cluster) (labels, annotations map[string]string) {
	labels = map[string]string{NetworkLabel: cl.Network}
	if cl.Role == mesh.Remote {
		annotations = map[string]string{ControlPlaneAnno: cl.Primary}
	}
	return labels, annotations
}

// istioNamespace is istio-system as meshwiz creates it in cl: managed by
// meshwiz, with the topology labels.
func istioNamespace(cl *mesh.Cluster) *corev1.Namespace {
	labels, annotations := namespaceTopology(cl)
	return &corev1.Namespace{TypeMeta: namespaceType,
		ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: managedLabels(labels), Annotations: annotations}}
}

// injectionNamespace is the label meshwiz sets on a namespace chosen for
// sidecar injection (the namespace itself is the user's).
func injectionNamespace(name string) *corev1.Namespace {
	return &corev1.Namespace{TypeMeta: namespaceType,
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{InjectionLabel: "enabled"}}}
}

// caCertsSecret is istio-system/cacerts holding a cluster's intermediate
// (certs.Intermediate.SecretData).
func caCertsSecret(data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{TypeMeta: secretType,
		ObjectMeta: metav1.ObjectMeta{Name: CACertsSecret, Namespace: Namespace, Labels: managedLabels(nil)},
		Type:       corev1.SecretTypeOpaque, Data: data}
}

// readerTokenSecret asks the token controller for a long-lived token of
// the reader ServiceAccount.
func readerTokenSecret() *corev1.Secret {
	return &corev1.Secret{TypeMeta: secretType,
		ObjectMeta: metav1.ObjectMeta{Name: ReaderToken, Namespace: Namespace, Labels: managedLabels(nil),
			Annotations: map[string]string{corev1.ServiceAccountNameKey: ReaderSA}},
		Type: corev1.SecretTypeServiceAccountToken}
}

// remoteSecretObject is the Secret through which an istiod reads cluster
// source: kubeconfig under the key source.
func remoteSecretObject(source string, kubeconfig []byte) *corev1.Secret {
	return &corev1.Secret{TypeMeta: secretType,
		ObjectMeta: metav1.ObjectMeta{Name: mesh.RemoteSecretName(source), Namespace: Namespace,
			Labels:      managedLabels(map[string]string{MultiClusterLbl: "true"}),
			Annotations: map[string]string{ClusterAnno: source}},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{source: kubeconfig}}
}

// crossNetworkGateway is samples/multicluster/expose-services.yaml.
func crossNetworkGateway() map[string]any {
	return map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
		"metadata": map[string]any{"name": "cross-network-gateway", "namespace": Namespace},
		"spec": map[string]any{
			"selector": map[string]any{"istio": "eastwestgateway"},
			"servers": []any{map[string]any{
				"port":  map[string]any{"number": 15443, "name": "tls", "protocol": "TLS"},
				"tls":   map[string]any{"mode": "AUTO_PASSTHROUGH"},
				"hosts": []any{"*.local"},
			}},
		},
	}
}

// istiodExposure is samples/multicluster/expose-istiod.yaml: Gateway
// istiod-gateway and VirtualService istiod-vs, through which remotes reach
// istiod on 15012 (xDS) and 15017 (webhooks).
func istiodExposure() (gw, vs map[string]any) {
	gw = map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
		"metadata": map[string]any{"name": "istiod-gateway", "namespace": Namespace},
		"spec": map[string]any{
			"selector": map[string]any{"istio": "eastwestgateway"},
			"servers": []any{
				map[string]any{"port": map[string]any{"number": 15012, "name": "tls-istiod", "protocol": "tls"},
					"tls": map[string]any{"mode": "PASSTHROUGH"}, "hosts": []any{"*"}},
				map[string]any{"port": map[string]any{"number": 15017, "name": "tls-istiodwebhook", "protocol": "tls"},
					"tls": map[string]any{"mode": "PASSTHROUGH"}, "hosts": []any{"*"}},
			},
		},
	}
	route := func(port, target int64) map[string]any {
		return map[string]any{
			"match": []any{map[string]any{"port": port, "sniHosts": []any{"*"}}},
			"route": []any{map[string]any{"destination": map[string]any{
				"host": "istiod." + Namespace + ".svc.cluster.local", "port": map[string]any{"number": target}}}},
		}
	}
	vs = map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
		"metadata": map[string]any{"name": "istiod-vs", "namespace": Namespace},
		"spec": map[string]any{
			"hosts": []any{"*"}, "gateways": []any{"istiod-gateway"},
			"tls": []any{route(15012, 15012), route(15017, 443)},
		},
	}
	return gw, vs
}

// strictMTLS is the mesh-wide PeerAuthentication requiring mTLS.
func strictMTLS() map[string]any {
	return map[string]any{
		"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
		"metadata": map[string]any{"name": "default", "namespace": Namespace},
		"spec":     map[string]any{"mtls": map[string]any{"mode": "STRICT"}},
	}
}

// document is obj as `plan --out` writes it: the fields set, without the
// empty ones a typed object always carries (creationTimestamp, spec,
// status).
func document(obj runtime.Object) map[string]any {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		panic(err) // the builders above return plain core objects
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	for _, k := range []string{"spec", "status"} {
		if v, ok := m[k].(map[string]any); ok && len(v) == 0 {
			delete(m, k)
		}
	}
	return m
}

// redacted is Secret s as `plan --out` writes it: no value of its data,
// each key's placeholder in stringData instead.
func redacted(s *corev1.Secret, placeholder func(key string) string) map[string]any {
	c := s.DeepCopy()
	c.StringData = map[string]string{}
	for k := range maps.Keys(c.Data) {
		c.StringData[k] = placeholder(k)
	}
	c.Data = nil
	return document(c)
}
