package mesh

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// systemNamespaces must never be labelled for injection: Istio's own and
// Kubernetes' control-plane namespaces.
var systemNamespaces = map[string]bool{
	"istio-system": true, "kube-system": true, "kube-public": true, "kube-node-lease": true,
}

// IsSystemNamespace reports whether ns is one of the namespaces never
// labelled for injection (the config refuses them; the wizard does not offer
// them).
func IsSystemNamespace(ns string) bool { return systemNamespaces[ns] }

// clusters checks the cluster list and each cluster's fields against the
// model.
func (p *problems) clusters(c *Config) {
	if len(c.Clusters) == 0 {
		p.add("clusters", "lists no cluster", "add one entry per cluster, e.g. clusters: [{context: kind-east}]")
		return
	}
	contexts := map[string]int{}
	names := map[string]int{}
	var primaryNames []string
	for _, pr := range c.Primaries() {
		primaryNames = append(primaryNames, pr.Name)
	}
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		f := func(name string) string { return fmt.Sprintf("clusters[%d].%s", i, name) }
		if cl.Context == "" {
			p.add(f("context"), "is empty", "set the kubeconfig context of this cluster (see kubectl config get-contexts)")
		} else if j, dup := contexts[cl.Context]; dup {
			p.add(f("context"), fmt.Sprintf("%q is also clusters[%d]'s context", cl.Context, j), "list each cluster once: remove one of them")
		} else {
			contexts[cl.Context] = i
		}
		p.name(f("name"), cl, names, i)
		p.network(f("network"), cl.Network)
		p.role(c, cl, f, primaryNames)
		if cl.Server != "" {
			if err := CheckServer(cl.Server); err != nil {
				p.add(f("server"), err.Error(), "use the API server address the other clusters reach, e.g. https://192.0.2.10:6443")
			}
		}
		p.ips(f("externalIPs"), cl.ExternalIPs)
		if len(cl.ExternalIPs) > 0 {
			switch {
			case c.EastWestGateway.ServiceType == LoadBalancer:
				p.add(f("externalIPs"), "are set, but eastWestGateway.serviceType is LoadBalancer",
					"set eastWestGateway.serviceType: %s, or remove them: the load balancer provides the address", NodePort)
			case !c.NeedsEastWestGateway(cl):
				p.add(f("externalIPs"), fmt.Sprintf("are set, but %s gets no east-west gateway", cl.Name),
					"remove them: a cluster gets a gateway only on several networks, or as a primary that controls remotes")
			}
		}
		p.namespaces(f("injectNamespaces"), cl.InjectNamespaces)
	}
	if c.Model == PrimaryRemote {
		if len(primaryNames) == 0 {
			p.add("clusters", "has no primary, but model is primary-remote", "set role: primary on the cluster that runs istiod")
		}
		if len(c.Remotes()) == 0 {
			p.add("clusters", "has no remote, but model is primary-remote", "set role: remote on the clusters that run no istiod, or use model: %s", MultiPrimary)
		}
	}
}

func (p *problems) name(field string, cl *Cluster, seen map[string]int, i int) {
	switch msgs := validation.IsDNS1123Label(cl.Name); {
	case cl.Name == "":
		p.add(field, "is empty", "set the cluster's mesh name, e.g. name: %s", SuggestName(cl.Context))
	case strings.EqualFold(cl.Name, reservedName):
		p.add(field, fmt.Sprintf("%q is Istio's default cluster name, which every cluster would share", cl.Name),
			"pick a name of its own, e.g. name: %s", SuggestName(cl.Context))
	case len(msgs) > 0:
		p.add(field, fmt.Sprintf("%q is not a DNS-1123 label: %s", cl.Name, strings.Join(msgs, "; ")),
			"use lower case letters, digits and '-', e.g. name: %s", SuggestName(cl.Name))
	}
	if j, dup := seen[cl.Name]; dup && cl.Name != "" {
		p.add(field, fmt.Sprintf("%q is also clusters[%d]'s name", cl.Name, j), "give every cluster its own name")
	} else {
		seen[cl.Name] = i
	}
}

func (p *problems) network(field, network string) {
	if network == "" {
		p.add(field, "is empty", "set network: %s on every cluster that shares one flat network, or a name per network", DefaultNetwork)
	} else if msgs := validation.IsDNS1123Label(network); len(msgs) > 0 {
		p.add(field, fmt.Sprintf("%q is not a DNS-1123 label: %s", network, strings.Join(msgs, "; ")),
			"use lower case letters, digits and '-', e.g. network: %s", SuggestName(network))
	}
}

// role checks the role and primary fields of one cluster against the model.
func (p *problems) role(c *Config, cl *Cluster, f func(string) string, primaries []string) {
	switch cl.Role {
	case Primary:
	case Remote:
		if c.Model == MultiPrimary {
			p.add(f("role"), "is remote, but model is multi-primary", "set model: %s to use remotes, or role: primary", PrimaryRemote)
		}
	default:
		problem := fmt.Sprintf("%q is not a role", cl.Role)
		if cl.Role == "" {
			problem = "is empty"
		}
		p.add(f("role"), problem, "use role: %s (runs istiod) or role: %s", Primary, Remote)
	}
	if cl.Role != Remote || c.Model != PrimaryRemote {
		if cl.Primary != "" {
			p.add(f("primary"), fmt.Sprintf("is set on a %s cluster", orUnset(string(cl.Role))), "remove it: only a remote in a primary-remote mesh names its primary")
		}
		return
	}
	choose := "use one of: " + strings.Join(primaries, ", ")
	if len(primaries) == 0 {
		choose = "first set role: primary on the cluster that runs istiod"
	}
	switch pr := c.Cluster(cl.Primary); {
	case cl.Primary == "":
		p.add(f("primary"), "is empty: a remote needs the primary that controls it", "%s", choose)
	case pr == nil || pr.Role != Primary:
		p.add(f("primary"), fmt.Sprintf("%q is not a primary cluster", cl.Primary), "%s", choose)
	}
}

func orUnset(s string) string {
	if s == "" {
		return "role-less"
	}
	return s
}

func (p *problems) namespaces(field string, namespaces []string) {
	seen := map[string]bool{}
	for j, ns := range namespaces {
		f := fmt.Sprintf("%s[%d]", field, j)
		switch msgs := validation.IsDNS1123Label(ns); {
		case len(msgs) > 0:
			p.add(f, fmt.Sprintf("%q is not a namespace name: %s", ns, strings.Join(msgs, "; ")), "use lower case letters, digits and '-'")
		case systemNamespaces[ns]:
			p.add(f, fmt.Sprintf("%s is a system namespace", ns), "remove it: label only namespaces of your own workloads")
		case seen[ns]:
			p.add(f, fmt.Sprintf("%s is listed twice", ns), "remove one")
		}
		seen[ns] = true
	}
}
