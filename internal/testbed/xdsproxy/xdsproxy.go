// Package xdsproxy is a test-only fake Istio sidecar: an xDS client that
// connects to a real istiod's plaintext gRPC address on loopback with the node
// metadata a sidecar sends (CLUSTER_ID, NETWORK, namespace, IP) and asks for
// the endpoints (EDS) of one Envoy cluster, e.g.
// "outbound|5000||helloworld.sample.svc.cluster.local". What it gets is what
// a proxy in that cluster would really receive, including istiod's
// translation of other networks' endpoints to their east-west gateway.
package xdsproxy

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

// EndpointType is the xDS type URL of EDS resources.
const EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"

// Node is the identity a fake sidecar presents.
type Node struct {
	// ClusterID is the mesh's name of the cluster the proxy runs in.
	ClusterID string
	// Network is the proxy's network ("" on a one-network mesh).
	Network string
	// Namespace is the proxy's namespace (default "sample").
	Namespace string
	// IP is the proxy's pod IP (data only; default 10.255.0.1).
	IP string
}

// Endpoint is one address EDS handed out.
type Endpoint struct {
	Address string
	Port    uint32
	// Weight is the load-balancing weight (a gateway endpoint carries the
	// number of remote endpoints behind it).
	Weight uint32
	// Network and Cluster are the istio metadata of the endpoint, if sent.
	Network, Cluster string
}

// HostPort returns "address:port".
func (e Endpoint) HostPort() string {
	return net.JoinHostPort(e.Address, strconv.Itoa(int(e.Port)))
}

// OutboundCluster returns Istio's Envoy cluster name for a service port.
func OutboundCluster(host string, port int) string {
	return fmt.Sprintf("outbound|%d||%s", port, host)
}

// Endpoints connects to istiod's plaintext xDS address (127.0.0.1:port) as
// node and returns the endpoints istiod sends for the Envoy cluster, sorted.
// It waits for the first EDS answer naming that cluster; ctx bounds the wait.
func Endpoints(ctx context.Context, grpcAddr string, node Node, cluster string) ([]Endpoint, error) {
	host, _, err := net.SplitHostPort(grpcAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("xdsproxy: %q is not a loopback host:port (tests dial loopback only)", grpcAddr)
	}
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("xdsproxy: %s: %w", grpcAddr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, fmt.Errorf("xdsproxy: ADS stream to %s: %w", grpcAddr, err)
	}
	n, err := node.envoyNode()
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&discoveryv3.DiscoveryRequest{Node: n, TypeUrl: EndpointType, ResourceNames: []string{cluster}}); err != nil {
		return nil, fmt.Errorf("xdsproxy: sending the EDS request: %w", err)
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return nil, fmt.Errorf("xdsproxy: no EDS answer for %s from %s: %w", cluster, grpcAddr, err)
		}
		if resp.GetTypeUrl() != EndpointType {
			continue
		}
		for _, res := range resp.GetResources() {
			var cla endpointv3.ClusterLoadAssignment
			if err := res.UnmarshalTo(&cla); err != nil {
				return nil, fmt.Errorf("xdsproxy: decoding EDS: %w", err)
			}
			if cla.GetClusterName() == cluster {
				return flatten(&cla), nil
			}
		}
	}
}

// Eventually polls Endpoints until ok accepts the result or ctx ends; it
// returns the last result (istiod may need a moment to sync a new cluster).
func Eventually(ctx context.Context, grpcAddr string, node Node, cluster string, ok func([]Endpoint) bool) ([]Endpoint, error) {
	var last []Endpoint
	var lastErr error
	for {
		attempt, cancel := context.WithTimeout(ctx, 15*time.Second)
		eps, err := Endpoints(attempt, grpcAddr, node, cluster)
		cancel()
		if err == nil {
			last, lastErr = eps, nil
			if ok(eps) {
				return eps, nil
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return last, lastErr
			}
			return last, fmt.Errorf("xdsproxy: endpoints of %s never matched (last: %v): %w", cluster, last, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (n Node) envoyNode() (*corev3.Node, error) {
	if n.Namespace == "" {
		n.Namespace = "sample"
	}
	if n.IP == "" {
		n.IP = "10.255.0.1"
	}
	meta := map[string]any{
		"CLUSTER_ID":      n.ClusterID,
		"NAMESPACE":       n.Namespace,
		"INSTANCE_IPS":    n.IP,
		"LABELS":          map[string]any{"app": "fake-proxy"},
		"SERVICE_ACCOUNT": "default",
		"MESH_ID":         "",
	}
	if n.Network != "" {
		meta["NETWORK"] = n.Network
	}
	st, err := structpb.NewStruct(meta)
	if err != nil {
		return nil, fmt.Errorf("xdsproxy: node metadata: %w", err)
	}
	id := fmt.Sprintf("sidecar~%s~fake-proxy.%s~%s.svc.cluster.local", n.IP, n.Namespace, n.Namespace)
	return &corev3.Node{Id: id, Cluster: "fake-proxy." + n.Namespace, Metadata: st}, nil
}

// flatten lists the socket addresses of a ClusterLoadAssignment, sorted.
func flatten(cla *endpointv3.ClusterLoadAssignment) []Endpoint {
	var out []Endpoint
	for _, loc := range cla.GetEndpoints() {
		for _, lb := range loc.GetLbEndpoints() {
			sa := lb.GetEndpoint().GetAddress().GetSocketAddress()
			if sa == nil {
				continue
			}
			e := Endpoint{Address: sa.GetAddress(), Port: sa.GetPortValue(), Weight: lb.GetLoadBalancingWeight().GetValue()}
			if md := lb.GetMetadata().GetFilterMetadata()["istio"]; md != nil {
				e.Network = md.GetFields()["network"].GetStringValue()
				e.Cluster = md.GetFields()["cluster_id"].GetStringValue()
			}
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].HostPort() < out[j].HostPort() })
	return out
}
