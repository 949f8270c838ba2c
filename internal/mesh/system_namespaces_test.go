package mesh

import (
	"strings"
	"testing"
)

// IsSystemNamespace is the rule Validate applies to injectNamespaces: the
// wizard hides exactly the namespaces the config would refuse.
func TestIsSystemNamespaceIsWhatValidateRefuses(t *testing.T) {
	for _, ns := range []string{"istio-system", "kube-system", "kube-public", "kube-node-lease", "default", "shop", "istio-ingress"} {
		c := valid(MultiPrimary)
		c.Clusters[0].InjectNamespaces = []string{ns}
		err := c.Validate()
		refused := err != nil && strings.Contains(err.Error(), "system namespace")
		if IsSystemNamespace(ns) != refused {
			t.Errorf("%s: IsSystemNamespace = %v, but Validate refuses it: %v (%v)", ns, IsSystemNamespace(ns), refused, err)
		}
	}
	if !IsSystemNamespace("kube-system") || IsSystemNamespace("shop") {
		t.Error("kube-system must be a system namespace and shop not")
	}
}
