// Package mesh is the one description of a meshwiz mesh: the clusters, their
// names, networks and roles, the Istio release, the mTLS mode, the root of
// trust and the east-west gateways. The wizard fills a Config; `meshwiz setup
// --config mesh.yaml` reads one with Load. Every Helm value, label, remote
// secret and injection path meshwiz writes is derived from it, so a name is
// chosen once (notes §d.4).
//
// A Config goes through three steps: Parse (or Load) reads the file strictly
// and fills nothing (Load only resolves a relative security.ca.dir, set or
// defaulted, from the file's directory); Default fills every unset field; Validate reports every
// remaining problem at once as *FieldError values naming the field and a fix.
// ValidateContexts then checks the contexts against the kubeconfig. Marshal
// writes the file back, and Parse reads that back unchanged.
//
// # File format
//
// Field names are case-sensitive; unknown fields, repeated fields and values
// of the wrong type are errors. Every field below except apiVersion, kind and
// each cluster's context may be left out; the comments give the defaults.
//
//	apiVersion: meshwiz.dev/v1alpha1   # required
//	kind: Mesh                         # required
//	meshID: mesh1                      # global.meshID, the same in every cluster (default mesh1)
//	model: primary-remote              # multi-primary (default) | primary-remote
//	istio:
//	  version: "1.32.1"                # default 1.31.0, the embedded charts' release; the image tag unless tag is set
//	  hub: docker.io/istio             # image registry (default docker.io/istio)
//	  tag: 1.32.1-distroless           # optional image tag override
//	  charts:
//	    source: repo                   # embedded (default: Istio 1.31.0 only) | repo | path
//	    repoURL: oci://ghcr.io/istio/release/charts  # repo only (this is the default)
//	    # path: ./charts               # path only: holds base/, istiod/, gateway/ (dirs or .tgz)
//	clusters:
//	  - context: kind-east             # kubeconfig context, required
//	    name: east                     # clusterName and remote-secret name (default from the context)
//	    network: net-east              # default network1 for all, or network-<name> once any cluster sets one
//	    role: primary                  # primary | remote (default: first cluster primary, the rest remote)
//	    server: https://172.18.0.2:6443  # API server URL for remote secrets (default: the kubeconfig's)
//	    externalIPs: [172.18.0.2]      # NodePort gateways: this cluster's gateway addresses
//	    injectNamespaces: [sample]     # labelled istio-injection=enabled
//	  - context: kind-west
//	    name: west
//	    network: net-west
//	    role: remote
//	    primary: east                  # remotes only: the controlling primary (default: the only one)
//	    externalIPs: [172.18.0.3]
//	security:
//	  mtls: STRICT                     # STRICT | PERMISSIVE (default, as in Istio)
//	  ca:
//	    mode: generate                 # generate (default) | existing
//	    dir: ./meshwiz-certs           # root-cert.pem, root-key.pem, <name>/{ca-cert,ca-key,cert-chain,root-cert}.pem;
//	                                   # relative to this file's directory (default ./meshwiz-certs beside it)
//	eastWestGateway:
//	  serviceType: NodePort            # LoadBalancer (default) | NodePort
//	  # externalIPs: [192.0.2.10]      # NodePort with a single gateway: its addresses
//
// Rules Validate enforces beyond the value lists above: istio.version is a
// release of a line meshwiz installs (SupportedLines: 1.31, 1.32), the
// embedded release 1.31.0 unless the charts come from a repo or a path, and
// a full MAJOR.MINOR.PATCH unless tag is set (it is the image tag); names
// and networks are DNS-1123 labels, names are unique and never Istio's default
// "kubernetes"; contexts are unique; a multi-primary mesh has no remotes; a
// primary-remote mesh has at least one primary and one remote, and each
// remote names a primary; injectNamespaces are never system namespaces;
// externalIPs are IP addresses, only with NodePort, and every cluster that
// gets an east-west gateway (NeedsEastWestGateway) has its own.
//
// The package does no I/O beyond Load reading the file.
package mesh
