package charts

import (
	"errors"
	"fmt"
	"strings"
)

// East-west gateway naming. The gateway chart derives the Service selector
// and pod labels from `name` (app: <name>, istio: <name minus "istio-">);
// Istio's samples (expose-services.yaml, expose-istiod.yaml) select
// istio: eastwestgateway.
const (
	EastWestGatewayName = "istio-eastwestgateway"
	EastWestSelector    = "eastwestgateway"
)

// ClusterValues is what the charts need to know about one cluster's role.
type ClusterValues struct {
	MeshID, ClusterName, Network string
	// Hub and Tag must ALWAYS be set: the embedded charts default to
	// registry.istio.io/testing and "latest" (development images).
	Hub, Tag string
	// Remote: the cluster consumes a control plane elsewhere (profile=remote on
	// base and istiod; no istiod Deployment is rendered).
	Remote bool
	// ExternalIstiod: a primary that also serves remotes (global.externalIstiod).
	ExternalIstiod bool
	// ConfigCluster: a remote that also holds the mesh config
	// (global.configCluster: istiod's ServiceAccount, RBAC and validation
	// webhook are rendered on the remote).
	ConfigCluster bool
	// RemotePilotAddress: on a remote, the primary's east-west gateway IP (an
	// EndpointSlice points at it) or hostname (an ExternalName Service, which
	// webhooks cannot use).
	RemotePilotAddress string
	// InjectionPath: on a remote, the injection webhook path
	// (istiodRemote.injectionPath), from mesh.Cluster.InjectionPath; empty
	// leaves the chart's default (/inject), which no primary serves for a remote.
	InjectionPath string
	// MeshMTLS is "STRICT", "PERMISSIVE" or "". It is carried only: no chart
	// value expresses a mesh-wide mTLS mode (that is a PeerAuthentication in
	// the root namespace), so no values function sets anything for it.
	MeshMTLS string
}

// Validate reports values that would render a broken or development install.
func (v ClusterValues) Validate() error {
	var errs []error
	if v.Hub == "" || v.Tag == "" {
		errs = append(errs, errors.New("hub and tag must be set (the embedded charts default to development images)"))
	}
	if v.ClusterName == "" {
		errs = append(errs, errors.New(`cluster name must be set (istiod would call itself "Kubernetes")`))
	}
	if v.Remote {
		if v.RemotePilotAddress == "" {
			errs = append(errs, errors.New("a remote needs the primary's address (remotePilotAddress); without it no istiod Service is rendered"))
		}
		if v.ExternalIstiod {
			errs = append(errs, errors.New("a remote cannot be an externalIstiod primary"))
		}
		if v.InjectionPath == "" {
			errs = append(errs, errors.New("a remote needs its injection path (/inject/cluster/<name>/net/<network>)"))
		}
	} else {
		if v.ConfigCluster {
			errs = append(errs, errors.New("configCluster applies to remotes only"))
		}
		if v.RemotePilotAddress != "" || v.InjectionPath != "" {
			errs = append(errs, errors.New("remotePilotAddress and injectionPath apply to remotes only"))
		}
	}
	if v.InjectionPath != "" && !strings.HasPrefix(v.InjectionPath, "/") {
		errs = append(errs, fmt.Errorf("injection path %q must start with /", v.InjectionPath))
	}
	switch v.MeshMTLS {
	case "", "STRICT", "PERMISSIVE":
	default:
		errs = append(errs, fmt.Errorf("mesh mTLS %q: want STRICT or PERMISSIVE", v.MeshMTLS))
	}
	return errors.Join(errs...)
}

// BaseValues are the values for the base chart (CRDs, reader ServiceAccount,
// istiod-default-validator). base renders no images, so hub/tag are not set.
func BaseValues(v ClusterValues) map[string]any {
	vals := map[string]any{}
	if v.Remote {
		// files/profile-remote.yaml. No base template reads what it sets, but
		// Istio's recipe sets it on base and istiod alike since 1.24.
		vals["profile"] = "remote"
	}
	return vals
}

// IstiodValues are the values for the istiod chart
// (manifests/charts/istio-control/istio-discovery).
func IstiodValues(v ClusterValues) map[string]any {
	global := map[string]any{
		// deployment.yaml: image "<hub|global.hub>/pilot:<tag|global.tag>";
		// the injector ConfigMap's values carry global.hub/tag to sidecars and
		// "image: auto" gateways.
		"hub": v.Hub,
		"tag": v.Tag,
		// configmap.yaml: mesh.defaultConfig.meshId; injection templates:
		// ISTIO_META_MESH_ID.
		"meshID": v.MeshID,
		// deployment.yaml: env CLUSTER_ID; injection: ISTIO_META_CLUSTER_ID.
		"multiCluster": map[string]any{"clusterName": v.ClusterName},
		// injection templates: ISTIO_META_NETWORK and the
		// topology.istio.io/network pod label. Not on the istiod Deployment.
		"network": v.Network,
	}
	if v.ExternalIstiod {
		global["externalIstiod"] = true // deployment.yaml: env EXTERNAL_ISTIOD=true
	}
	if v.ConfigCluster {
		global["configCluster"] = true
	}
	vals := map[string]any{"global": global}
	if v.Remote {
		vals["profile"] = "remote" // istiodRemote.enabled, configMap=false, omitSidecarInjectorConfigMap
		global["remotePilotAddress"] = v.RemotePilotAddress
		if v.InjectionPath != "" {
			vals["istiodRemote"] = map[string]any{"injectionPath": v.InjectionPath}
		}
	}
	return vals
}

// GatewayValues are the values for an east-west gateway from the gateway
// chart, installed as release EastWestGatewayName. serviceType "" means
// LoadBalancer; externalIPs (for NodePort, or an LB the cluster cannot
// provision) become spec.externalIPs, which istiod reads as the gateway's
// address. The gateway's image is "auto": the injector of the cluster's
// control plane supplies hub/tag, so none are set here (the chart's schema
// rejects a top-level hub or tag).
func GatewayValues(v ClusterValues, serviceType string, externalIPs []string) map[string]any {
	if serviceType == "" {
		serviceType = "LoadBalancer"
	}
	service := map[string]any{"type": serviceType}
	if len(externalIPs) > 0 {
		ips := make([]any, len(externalIPs))
		for i, ip := range externalIPs {
			ips[i] = ip
		}
		service["externalIPs"] = ips
	}
	return map[string]any{
		"name": EastWestGatewayName,
		// _helpers.tpl derives istio: from name minus "istio-"; said
		// explicitly so the selector does not hang on the name.
		"labels": map[string]any{"istio": EastWestSelector},
		// service.yaml/deployment.yaml: topology.istio.io/network label on the
		// Service and pod template, ports 15021/15443/15012/15017,
		// env ISTIO_META_REQUESTED_NETWORK_VIEW.
		"networkGateway": v.Network,
		"service":        service,
	}
}
