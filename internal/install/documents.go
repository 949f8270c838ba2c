package install

import (
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// Documents returns the objects meshwiz itself applies in step id for
// cluster cl, in apply order, for `meshwiz plan --out`: Secret data is
// redacted, and values known only at install time (tokens, gateway
// addresses) are placeholders. Helm steps return nil (their manifests come
// from the charts), as do waits.
func Documents(cfg *mesh.Config, cl *mesh.Cluster, id string) []map[string]any {
	meta := func(kind, name string, labels map[string]string, annotations map[string]string) map[string]any {
		m := map[string]any{"name": name}
		if kind != "Namespace" {
			m["namespace"] = Namespace
		}
		if labels != nil {
			m["labels"] = labels
		}
		if annotations != nil {
			m["annotations"] = annotations
		}
		return m
	}
	obj := func(kind string, metadata map[string]any, rest map[string]any) map[string]any {
		o := map[string]any{"apiVersion": "v1", "kind": kind, "metadata": metadata}
		for k, v := range rest {
			o[k] = v
		}
		return o
	}
	switch {
	case id == IDNamespace:
		var ann map[string]string
		if cl.Role == mesh.Remote {
			ann = map[string]string{ControlPlaneAnno: cl.Primary}
		}
		return []map[string]any{obj("Namespace", meta("Namespace", Namespace, managedLabels(map[string]string{NetworkLabel: cl.Network}), ann), nil)}
	case id == IDCACerts:
		data := map[string]any{}
		for _, k := range []string{"ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"} {
			data[k] = fmt.Sprintf("<redacted: %s of cluster %s, from %s>", k, cl.Name, cfg.Security.CA.Dir)
		}
		return []map[string]any{obj("Secret", meta("Secret", CACertsSecret, managedLabels(nil), nil), map[string]any{"type": "Opaque", "stringData": data})}
	case id == IDExposeServices:
		return []map[string]any{crossNetworkGateway()}
	case id == IDExposeIstiod:
		gw, vs := istiodExposure()
		return []map[string]any{gw, vs}
	case id == IDMeshMTLS && cfg.Security.MTLS == mesh.MTLSStrict:
		return []map[string]any{strictMTLS()}
	case id == IDReaderToken:
		return []map[string]any{obj("Secret", meta("Secret", ReaderToken, managedLabels(nil), map[string]string{"kubernetes.io/service-account.name": ReaderSA}),
			map[string]any{"type": "kubernetes.io/service-account-token"})}
	case strings.HasPrefix(id, IDRemoteSecret):
		src := cfg.Cluster(strings.TrimPrefix(id, IDRemoteSecret))
		if src == nil {
			return nil
		}
		server := src.Server
		if server == "" {
			server = "<API server of context " + src.Context + " from the kubeconfig>"
		}
		return []map[string]any{obj("Secret", meta("Secret", mesh.RemoteSecretName(src.Name), managedLabels(map[string]string{MultiClusterLbl: "true"}),
			map[string]string{ClusterAnno: src.Name}), map[string]any{"type": "Opaque", "stringData": map[string]any{
			src.Name: fmt.Sprintf("<redacted: kubeconfig for %s with server %s and the token of %s/%s>", src.Name, server, Namespace, ReaderSA)}})}
	case id == IDInjection:
		var out []map[string]any
		for _, ns := range cl.InjectNamespaces {
			out = append(out, obj("Namespace", map[string]any{"name": ns, "labels": map[string]string{InjectionLabel: "enabled"}}, nil))
		}
		return out
	}
	return nil
}
