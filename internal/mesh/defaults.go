package mesh

// Defaults for the fields Default fills.
const (
	DefaultMeshID       = "mesh1"
	DefaultIstioVersion = EmbeddedIstioRelease
	DefaultHub          = "docker.io/istio"
	// DefaultRepoURL is where Istio publishes its charts from 1.31 on (OCI;
	// the 1.31 upgrade notes: "From Istio 1.31 forwards, we will no longer
	// publish artifacts to ... istio-release.storage.googleapis.com";
	// https://istio.io/latest/news/releases/1.31.x/announcing-1.31/upgrade-notes/).
	DefaultRepoURL = "oci://ghcr.io/istio/release/charts"
	DefaultCADir   = "./meshwiz-certs"
	// DefaultNetwork is every cluster's network when no cluster names one.
	DefaultNetwork = "network1"
)

// Default fills every unset field with its default. It never changes a field
// that is set, so it is idempotent and a file's explicit choices survive; it
// does not repair invalid values either — Validate reports them.
//
// Per cluster, in order:
//   - Name: SuggestName(Context), with -2, -3, … appended when another
//     cluster has that name already;
//   - Network: DefaultNetwork for all when no cluster sets a network (one
//     flat network), otherwise NetworkFor(Name) for each cluster without one;
//   - Role: Primary in a multi-primary mesh; in a primary-remote mesh the
//     first cluster is Primary and every other one Remote;
//   - Primary (remotes only): the only primary, when there is exactly one.
func (c *Config) Default() {
	if c.APIVersion == "" {
		c.APIVersion = APIVersion
	}
	if c.Kind == "" {
		c.Kind = Kind
	}
	if c.MeshID == "" {
		c.MeshID = DefaultMeshID
	}
	if c.Model == "" {
		c.Model = MultiPrimary
	}
	c.Istio.defaults()
	c.defaultClusters()
	if c.Security.MTLS == "" {
		c.Security.MTLS = MTLSPermissive
	}
	if c.Security.CA.Mode == "" {
		c.Security.CA.Mode = CAGenerate
	}
	if c.Security.CA.Dir == "" {
		c.Security.CA.Dir = DefaultCADir
	}
	if c.EastWestGateway.ServiceType == "" {
		c.EastWestGateway.ServiceType = LoadBalancer
	}
}

func (i *Istio) defaults() {
	if i.Version == "" {
		i.Version = DefaultIstioVersion
	}
	if i.Hub == "" {
		i.Hub = DefaultHub
	}
	if i.Charts.Source == "" {
		i.Charts.Source = ChartsEmbedded
	}
	if i.Charts.Source == ChartsRepo && i.Charts.RepoURL == "" {
		i.Charts.RepoURL = DefaultRepoURL
	}
}

func (c *Config) defaultClusters() {
	taken := map[string]bool{}
	anyNetwork := false
	for _, cl := range c.Clusters {
		if cl.Name != "" {
			taken[cl.Name] = true
		}
		anyNetwork = anyNetwork || cl.Network != ""
	}
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		if cl.Name == "" {
			cl.Name = uniqueLabel(SuggestName(cl.Context), taken)
			taken[cl.Name] = true
		}
		switch {
		case cl.Network != "":
		case anyNetwork:
			cl.Network = NetworkFor(cl.Name)
		default:
			cl.Network = DefaultNetwork
		}
		if cl.Role == "" {
			switch {
			case c.Model == MultiPrimary, c.Model == PrimaryRemote && i == 0:
				cl.Role = Primary
			case c.Model == PrimaryRemote:
				cl.Role = Remote
			}
		}
	}
	if primaries := c.Primaries(); len(primaries) == 1 {
		for _, r := range c.Remotes() {
			if r.Primary == "" {
				r.Primary = primaries[0].Name
			}
		}
	}
}
