package install

import (
	"strings"

	"github.com/meshwiz/meshwiz/internal/mesh"
)

// label is the short name of an install step of cluster cl, for narrow
// columns and lists (steps.Step.Label): "istiod", "istiod (remote)" on a
// remote, whose istiod runs the remote profile, "secret west".
func label(id string, cl *mesh.Cluster) string {
	if src, ok := strings.CutPrefix(id, IDRemoteSecret); ok {
		return "secret " + src
	}
	switch id {
	case IDNamespace:
		return "namespace"
	case IDCACerts:
		return "cacerts"
	case IDBase:
		return ReleaseBase
	case IDIstiod:
		if cl.Role == mesh.Remote {
			return "istiod (remote)"
		}
		return ReleaseIstiod
	case IDGateway:
		return "east-west gateway"
	case IDGatewayAddress:
		return "gateway address"
	case IDExposeIstiod:
		return "expose istiod"
	case IDExposeServices:
		return "expose services"
	case IDReaderToken:
		return "reader token"
	case IDMeshMTLS:
		return "mesh mTLS"
	case IDInjection:
		return "injection labels"
	}
	return ""
}
