// Package install turns one mesh description (mesh.Config) into the ordered
// steps that install Istio across every cluster: the istio-system namespace
// and its topology labels, the cacerts Secret, the Helm releases istio-base,
// istiod and istio-eastwestgateway from the real charts, the waits, the
// exposure gateways, the remote secrets and the injection labels. The steps
// run on the steps engine: concurrently across clusters wherever the graph
// allows (a remote waits for its primary's gateway address; a remote secret
// waits for both ends).
//
// Every object meshwiz creates outside Helm carries the label
// app.kubernetes.io/managed-by=meshwiz, and each cluster keeps a record of
// what meshwiz created in it (ConfigMap istio-system/meshwiz-record), so
// teardown can find it. Re-running the plan finishes or upgrades in place.
package install

import (
	"fmt"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
)

// Names meshwiz uses in every cluster.
const (
	Namespace        = "istio-system"
	ManagedByLabel   = "app.kubernetes.io/managed-by"
	ManagedByValue   = "meshwiz"
	NetworkLabel     = "topology.istio.io/network"
	ControlPlaneAnno = "topology.istio.io/controlPlaneClusters"
	MultiClusterLbl  = "istio/multiCluster"
	ClusterAnno      = "networking.istio.io/cluster"
	ReaderSA         = "istio-reader-service-account"
	ReaderToken      = "istio-reader-service-account-istio-remote-secret-token"
	RecordName       = "meshwiz-record"
	FieldManager     = "meshwiz"

	ReleaseBase     = "istio-base"
	ReleaseIstiod   = "istiod"
	ReleaseGateway  = "istio-eastwestgateway"
	EastWestService = "istio-eastwestgateway"
)

// Env is what a plan needs besides the mesh config.
type Env struct {
	// Clients are the client bundles by kube context; one per cluster.
	Clients map[string]*kube.Client
	// Charts is where the Istio charts come from (default: embedded).
	Charts charts.Source
	// Certs are the cacerts intermediates by cluster name, prepared before
	// the plan runs (generated or loaded and verified).
	Certs map[string]*certs.Intermediate
	// HelmTimeout bounds each Helm install/upgrade including its wait
	// (default 5 minutes).
	HelmTimeout time.Duration
	// AddressTimeout bounds the wait for an east-west gateway address
	// (default 5 minutes).
	AddressTimeout time.Duration
	// ReaderTokenTimeout bounds the wait for the token controller to fill
	// the reader token Secret (default DefaultReaderTokenTimeout).
	ReaderTokenTimeout time.Duration
}

// DefaultReaderTokenTimeout is the default bound of the reader-token wait:
// a running token controller fills the Secret within seconds.
const DefaultReaderTokenTimeout = time.Minute

// run is the state shared by one install run's steps.
type run struct {
	cfg *mesh.Config
	env Env

	mu       sync.Mutex
	gateways map[string]string // cluster name → east-west gateway address
	tokens   map[string]readerToken
	charts   map[string]*chart.Chart

	records map[string]*clusterRecord // cluster name → its record as last written
}

type readerToken struct {
	token, caData []byte
}

func (r *run) client(cl *mesh.Cluster) *kube.Client { return r.env.Clients[cl.Context] }

func (r *run) setGateway(cluster, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gateways[cluster] = addr
}

func (r *run) gateway(cluster string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.gateways[cluster]; ok {
		return a, nil
	}
	return "", fmt.Errorf("the east-west gateway address of cluster %q is not known yet", cluster)
}

func (r *run) setToken(cluster string, t readerToken) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokens[cluster] = t
}

func (r *run) token(cluster string) (readerToken, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tokens[cluster]; ok {
		return t, nil
	}
	return readerToken{}, fmt.Errorf("the reader token of cluster %q is not known yet", cluster)
}

func managedLabels(extra map[string]string) map[string]string {
	l := map[string]string{ManagedByLabel: ManagedByValue}
	for k, v := range extra {
		l[k] = v
	}
	return l
}
