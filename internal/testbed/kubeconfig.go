package testbed

import (
	"fmt"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// writeComponentKubeconfig writes a one-context kubeconfig for a control-plane
// component with its client certificate embedded, and returns its path.
func writeComponentKubeconfig(dir, component, server string, caPEM, certPEM, keyPEM []byte) (string, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[component] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: component}
	cfg.CurrentContext = "local"
	path := filepath.Join(dir, component+".kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("kubeconfig for %s: %w", component, err)
	}
	return path, nil
}

// writeBedKubeconfig writes the bed's kubeconfig: per cluster a cluster entry
// (server = KubeconfigServer), an admin user with the client certificate
// embedded and a context named after the cluster, plus "<name>-restricted"
// contexts with the restricted token. The first cluster is current.
func writeBedKubeconfig(path string, clusters []*Cluster) error {
	cfg := clientcmdapi.NewConfig()
	for _, c := range clusters {
		cfg.Clusters[c.Name] = &clientcmdapi.Cluster{Server: c.KubeconfigServer, CertificateAuthorityData: c.pki.caPEM}
		admin := c.Name + "-admin"
		cfg.AuthInfos[admin] = &clientcmdapi.AuthInfo{ClientCertificateData: c.pki.adminCertPEM, ClientKeyData: c.pki.adminKeyPEM}
		cfg.Contexts[c.Context] = &clientcmdapi.Context{Cluster: c.Name, AuthInfo: admin}
		if c.RestrictedContext != "" {
			user := c.Name + "-restricted"
			cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: c.pki.restrictedToken}
			cfg.Contexts[c.RestrictedContext] = &clientcmdapi.Context{Cluster: c.Name, AuthInfo: user}
		}
	}
	cfg.CurrentContext = clusters[0].Context
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("testbed: writing %s: %w", path, err)
	}
	return nil
}

// adminRESTConfig builds the admin REST config straight from the PKI, so it
// works whatever ServerAddress says.
func adminRESTConfig(server string, p *pki) *rest.Config {
	return &rest.Config{
		Host: server,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   p.caPEM,
			CertData: p.adminCertPEM,
			KeyData:  p.adminKeyPEM,
		},
		QPS:   100,
		Burst: 200,
	}
}
