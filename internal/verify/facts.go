package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/kube"
)

// ClusterSync is one entry of istiod's /debug/clusterz: a cluster it reads
// through a remote secret, and whether it has synced it.
type ClusterSync struct {
	ID         string `json:"id"`
	SecretName string `json:"secretName"`
	SyncStatus string `json:"syncStatus"`
}

// Gateway is one entry of istiod's /debug/networkz.
type Gateway struct {
	Network string `json:"Network"`
	Cluster string `json:"Cluster"`
	Addr    string `json:"Addr"`
	Port    uint32 `json:"Port"`
}

// shardEndpoint is the part of an IstioEndpoint (/debug/endpointShardz) verify reads.
type shardEndpoint struct {
	Addresses []string `json:"Addresses"`
	Network   string   `json:"Network"`
	TLSMode   string   `json:"TLSMode"`
}

// Shard is what one istiod knows of one service from one cluster.
type Shard struct {
	Cluster   string   `json:"cluster"`
	Network   string   `json:"network"`
	Addresses []string `json:"addresses"`
}

// Istiod is what verify read from one primary's istiod.
type Istiod struct {
	Clusters []ClusterSync `json:"clusters"`
	Gateways []Gateway     `json:"gateways"`
	// Services maps host name → shards (one per cluster with endpoints).
	Services map[string][]Shard `json:"services"`
}

// Cluster is what verify learned about one selected cluster from its API server.
type Cluster struct {
	Context string `json:"context"`
	// Name is the mesh's name of the cluster (meshwiz's record, else the context).
	Name string `json:"name"`
	// Network is the topology.istio.io/network label of istio-system ("" if none).
	Network string `json:"network"`
	// Primary tells whether an istiod Deployment runs here.
	Primary bool `json:"primary"`
	// ControlPlane is, on a remote, the primary named by
	// topology.istio.io/controlPlaneClusters.
	ControlPlane string `json:"controlPlane,omitempty"`
	// Endpoints maps service host → ready endpoint addresses in this cluster.
	Endpoints map[string][]string `json:"endpoints,omitempty"`
	// Istiod is set for a primary whose istiod was reached.
	Istiod *Istiod `json:"istiod,omitempty"`
}

// readCluster reads the cluster's identity and topology from its API server.
func readCluster(ctx context.Context, c *kube.Client) (*Cluster, error) {
	cl := &Cluster{Context: c.Context, Name: c.Context, Endpoints: map[string][]string{}}
	rec, err := install.ReadRecord(ctx, c)
	if err != nil {
		return nil, err
	}
	if rec != nil && rec.Cluster != "" {
		cl.Name = rec.Cluster
	}
	ns, err := c.Kube.CoreV1().Namespaces().Get(ctx, install.Namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("no %s namespace in %s: Istio is not installed there (meshwiz setup)", install.Namespace, c.Context)
	}
	if err != nil {
		return nil, fmt.Errorf("reading namespace %s in %s: %w", install.Namespace, c.Context, err)
	}
	cl.Network = ns.Labels[install.NetworkLabel]
	cl.ControlPlane = ns.Annotations[install.ControlPlaneAnno]
	d, err := c.Kube.AppsV1().Deployments(install.Namespace).Get(ctx, "istiod", metav1.GetOptions{})
	switch {
	case err == nil:
		cl.Primary = true
		for _, ctr := range d.Spec.Template.Spec.Containers {
			for _, e := range ctr.Env {
				if e.Name == "CLUSTER_ID" && e.Value != "" && rec == nil {
					cl.Name = e.Value
				}
			}
		}
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading deployment %s/istiod in %s: %w", install.Namespace, c.Context, err)
	}
	return cl, nil
}

// readEndpoints fills the ready endpoint addresses of a service (ns/name) as
// the cluster's own API server lists them.
func readEndpoints(ctx context.Context, c *kube.Client, cl *Cluster, host string) error {
	name, ns, ok := splitHost(host)
	if !ok {
		return fmt.Errorf("service %q: want <name>.<namespace>.svc.cluster.local", host)
	}
	list, err := c.Kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + name})
	if err != nil {
		return fmt.Errorf("listing EndpointSlices of %s/%s in %s: %w", ns, name, c.Context, err)
	}
	var addrs []string
	for _, s := range list.Items {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				addrs = append(addrs, e.Addresses...)
			}
		}
	}
	sort.Strings(addrs)
	cl.Endpoints[host] = addrs
	return nil
}

func splitHost(host string) (name, ns string, ok bool) {
	parts := strings.Split(host, ".")
	if len(parts) < 3 || parts[2] != "svc" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// readIstiod reads the three debug pages verify needs.
func readIstiod(ctx context.Context, g *getter, hosts []string) (*Istiod, error) {
	ist := &Istiod{Services: map[string][]Shard{}}
	body, err := g.get(ctx, "/debug/clusterz")
	if err == nil {
		err = json.Unmarshal(body, &ist.Clusters)
	}
	if err != nil {
		return nil, fmt.Errorf("/debug/clusterz: %w", err)
	}
	sort.Slice(ist.Clusters, func(i, j int) bool { return ist.Clusters[i].ID < ist.Clusters[j].ID })
	if body, err = g.get(ctx, "/debug/networkz"); err == nil && len(strings.TrimSpace(string(body))) > 0 {
		err = json.Unmarshal(body, &ist.Gateways)
	}
	if err != nil {
		return nil, fmt.Errorf("/debug/networkz: %w", err)
	}
	var shardz map[string]map[string]struct {
		Shards map[string][]shardEndpoint `json:"Shards"`
	}
	if body, err = g.get(ctx, "/debug/endpointShardz"); err == nil {
		err = json.Unmarshal(body, &shardz)
	}
	if err != nil {
		return nil, fmt.Errorf("/debug/endpointShardz: %w", err)
	}
	for _, host := range hosts {
		_, ns, _ := splitHost(host)
		for key, eps := range shardz[host][ns].Shards {
			_, clusterID, _ := strings.Cut(key, "/") // "<provider>/<cluster>"
			sh := Shard{Cluster: clusterID}
			for _, e := range eps {
				sh.Addresses = append(sh.Addresses, e.Addresses...)
				sh.Network = e.Network
			}
			sort.Strings(sh.Addresses)
			ist.Services[host] = append(ist.Services[host], sh)
		}
		sort.Slice(ist.Services[host], func(i, j int) bool { return ist.Services[host][i].Cluster < ist.Services[host][j].Cluster })
	}
	return ist, nil
}

// sync returns istiod's sync state of the named cluster ("" if it does not read it).
func (i *Istiod) sync(name string) ClusterSync {
	for _, c := range i.Clusters {
		if c.ID == name {
			return c
		}
	}
	return ClusterSync{}
}

// gateway returns the gateways istiod knows for a network.
func (i *Istiod) gateways(network string) []string {
	var out []string
	for _, g := range i.Gateways {
		if g.Network == network {
			out = append(out, fmt.Sprintf("%s:%d", g.Addr, g.Port))
		}
	}
	sort.Strings(out)
	return out
}

// shard returns what istiod knows of host from the named cluster.
func (i *Istiod) shard(host, cluster string) (Shard, bool) {
	for _, s := range i.Services[host] {
		if s.Cluster == cluster {
			return s, true
		}
	}
	return Shard{}, false
}
