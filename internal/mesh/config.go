package mesh

// APIVersion and Kind identify a mesh file. Parse refuses files that declare
// anything else.
const (
	APIVersion = "meshwiz.dev/v1alpha1"
	Kind       = "Mesh"
)

// Model is the Istio multi-cluster deployment model.
type Model string

// The models meshwiz installs.
const (
	// MultiPrimary runs istiod in every cluster (notes b.1, b.2).
	MultiPrimary Model = "multi-primary"
	// PrimaryRemote runs istiod in the primaries only; each remote is
	// controlled by one primary through its east-west gateway (notes b.3, b.4).
	PrimaryRemote Model = "primary-remote"
)

// Role is a cluster's part in the mesh.
type Role string

// The roles a cluster can have.
const (
	Primary Role = "primary" // runs istiod
	Remote  Role = "remote"  // controlled by a primary's istiod
)

// Config is the whole description of a mesh: what the wizard fills and what
// `meshwiz setup --config mesh.yaml` reads. The package comment shows the
// YAML form. A Config read with Parse or Load holds exactly what the file
// says; call Default to fill the rest and then Validate.
type Config struct {
	APIVersion      string    `json:"apiVersion"`
	Kind            string    `json:"kind"`
	MeshID          string    `json:"meshID"` // global.meshID, the same in every cluster (default "mesh1")
	Model           Model     `json:"model"`  // default MultiPrimary
	Istio           Istio     `json:"istio"`
	Clusters        []Cluster `json:"clusters"`
	Security        Security  `json:"security"`
	EastWestGateway Gateway   `json:"eastWestGateway"`
}

// Istio says which Istio to install and where its Helm charts come from.
type Istio struct {
	// Version is the Istio release (default DefaultIstioVersion). It is the
	// image tag (global.tag) unless Tag is set.
	Version string `json:"version"`
	// Hub is the image registry (global.hub, default DefaultHub).
	Hub string `json:"hub"`
	// Tag overrides the image tag, e.g. "1.31.1-distroless".
	Tag    string      `json:"tag,omitempty"`
	Charts ChartSource `json:"charts"`
}

// The chart sources.
const (
	ChartsEmbedded = "embedded" // the charts built into meshwiz
	ChartsRepo     = "repo"     // a Helm repository (RepoURL)
	ChartsPath     = "path"     // a local directory (Path)
)

// ChartSource says where the base, istiod and gateway charts come from.
type ChartSource struct {
	// Source is ChartsEmbedded (default), ChartsRepo or ChartsPath.
	Source string `json:"source"`
	// RepoURL is the Helm repository for ChartsRepo (default DefaultRepoURL).
	RepoURL string `json:"repoURL,omitempty"`
	// Path is, for ChartsPath, a directory holding base/, istiod/ and
	// gateway/ chart directories or their .tgz archives.
	Path string `json:"path,omitempty"`
}

// Cluster is one member of the mesh.
type Cluster struct {
	// Context is the kubeconfig context that reaches the cluster.
	Context string `json:"context"`
	// Name is the mesh cluster name: global.multiCluster.clusterName, the
	// remote-secret name and the injection path (default SuggestName(Context)).
	Name string `json:"name"`
	// Network is the cluster's network: topology.istio.io/network,
	// global.network and the east-west gateway's networkGateway. Default:
	// DefaultNetwork for every cluster when no cluster sets one, otherwise
	// NetworkFor(Name) for each cluster that does not.
	Network string `json:"network"`
	// Role is Primary or Remote. Default: Primary in a multi-primary mesh; in
	// a primary-remote mesh the first cluster is Primary and the rest Remote.
	Role Role `json:"role"`
	// Primary is, on a remote, the name of the primary that controls it
	// (default: the only primary).
	Primary string `json:"primary,omitempty"`
	// Server is the API server URL written into remote secrets for this
	// cluster, when the kubeconfig's is not reachable from the other clusters
	// (default: the kubeconfig's).
	Server string `json:"server,omitempty"`
	// ExternalIPs are, with a NodePort east-west gateway, the addresses the
	// other clusters reach this cluster's gateway on. They override
	// Gateway.ExternalIPs, which can serve only a mesh with one gateway.
	ExternalIPs []string `json:"externalIPs,omitempty"`
	// InjectNamespaces are labelled istio-injection=enabled.
	InjectNamespaces []string `json:"injectNamespaces,omitempty"`
}

// The mutual TLS modes of the mesh-wide PeerAuthentication.
const (
	MTLSStrict     = "STRICT"
	MTLSPermissive = "PERMISSIVE" // Istio's own default: plain text is still accepted
)

// Security is the mesh's mutual TLS mode and certificate authority.
type Security struct {
	// MTLS is MTLSStrict or MTLSPermissive (default MTLSPermissive, as in
	// Istio, so workloads without sidecars keep working during the rollout).
	MTLS string `json:"mtls"`
	CA   CA     `json:"ca"`
}

// The CA modes.
const (
	CAGenerate = "generate" // meshwiz makes a root and one intermediate per cluster
	CAExisting = "existing" // meshwiz reads them from Dir
)

// CA is the shared root of trust: one root certificate, one intermediate CA
// per cluster, installed as the cacerts secret before istiod starts.
type CA struct {
	// Mode is CAGenerate (default) or CAExisting.
	Mode string `json:"mode"`
	// Dir holds root-cert.pem, root-key.pem and, per cluster name,
	// <name>/{ca-cert.pem,ca-key.pem,cert-chain.pem,root-cert.pem} — the
	// layout of Istio's tools/certs Makefiles. CAGenerate writes there,
	// CAExisting reads from there (default DefaultCADir).
	Dir string `json:"dir"`
}

// The east-west gateway Service types.
const (
	LoadBalancer = "LoadBalancer"
	NodePort     = "NodePort"
)

// Gateway configures the east-west gateways (Helm release
// istio-eastwestgateway of the gateway chart).
type Gateway struct {
	// ServiceType is LoadBalancer (default) or NodePort.
	ServiceType string `json:"serviceType"`
	// ExternalIPs are, with NodePort, the addresses other clusters use to
	// reach the gateway (the Service's spec.externalIPs). Every gateway would
	// get the same addresses, so they serve only a mesh with one gateway;
	// otherwise set Cluster.ExternalIPs.
	ExternalIPs []string `json:"externalIPs,omitempty"`
}

// TagOrVersion is the image tag to install: Istio.Tag, else Istio.Version.
func (c *Config) TagOrVersion() string {
	if c.Istio.Tag != "" {
		return c.Istio.Tag
	}
	return c.Istio.Version
}

// MultiNetwork reports whether the clusters span more than one network.
// Call it after Default: unset networks do not count.
func (c *Config) MultiNetwork() bool {
	first := ""
	for _, cl := range c.Clusters {
		switch {
		case cl.Network == "":
		case first == "":
			first = cl.Network
		case cl.Network != first:
			return true
		}
	}
	return false
}

// Cluster returns the cluster with that name, or nil.
func (c *Config) Cluster(name string) *Cluster {
	for i := range c.Clusters {
		if c.Clusters[i].Name == name {
			return &c.Clusters[i]
		}
	}
	return nil
}

// Primaries returns the clusters with Role Primary, in file order.
func (c *Config) Primaries() []*Cluster { return c.withRole(Primary) }

// Remotes returns the clusters with Role Remote, in file order.
func (c *Config) Remotes() []*Cluster { return c.withRole(Remote) }

func (c *Config) withRole(r Role) []*Cluster {
	var out []*Cluster
	for i := range c.Clusters {
		if c.Clusters[i].Role == r {
			out = append(out, &c.Clusters[i])
		}
	}
	return out
}

// RemotesOf returns the remotes controlled by the named primary.
func (c *Config) RemotesOf(primary string) []*Cluster {
	var out []*Cluster
	for _, r := range c.Remotes() {
		if r.Primary == primary {
			out = append(out, r)
		}
	}
	return out
}

// NeedsEastWestGateway reports whether cl gets an east-west gateway. On
// several networks every cluster needs one, to carry cross-network traffic.
// In a primary-remote mesh every primary that controls remotes needs one,
// to expose istiod to them, even on one network.
func (c *Config) NeedsEastWestGateway(cl *Cluster) bool {
	if c.MultiNetwork() {
		return true
	}
	return c.Model == PrimaryRemote && cl.Role == Primary && len(c.RemotesOf(cl.Name)) > 0
}

// GatewayExternalIPs returns the addresses of cl's NodePort east-west
// gateway: cl.ExternalIPs, else EastWestGateway.ExternalIPs.
func (c *Config) GatewayExternalIPs(cl *Cluster) []string {
	if len(cl.ExternalIPs) > 0 {
		return cl.ExternalIPs
	}
	return c.EastWestGateway.ExternalIPs
}
