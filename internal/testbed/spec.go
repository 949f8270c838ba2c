package testbed

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxClusters is the largest number of clusters one Bed runs.
const MaxClusters = 4

// maxNodes bounds ClusterSpec.Nodes; every node gets a /24 of the pod CIDR.
const maxNodes = 64

// ClusterSpec describes one loopback cluster. Zero values get defaults.
type ClusterSpec struct {
	// Name is the cluster's name and kubeconfig context; default "c0", "c1", ...
	// It must be a DNS-1123 label of at most 40 characters.
	Name string
	// PodCIDR is an IPv4 range outside 127.0.0.0/8 (default 10.244+i.0.0/16).
	// Node k gets its k-th /24 as spec.podCIDR and spec.podCIDRs at creation,
	// and kwok gives pods IPs from it. The addresses are data only.
	PodCIDR string
	// ServiceCIDR is the --service-cluster-ip-range (default 127.96+i.0.0/16).
	// It must lie in 127.0.0.0/8 and not overlap 127.0.0.0/16, which holds
	// the apiservers and the fake load-balancer IPs. Clusters may share a range.
	ServiceCIDR string
	// Nodes is the number of kwok fake nodes (default 1, at most 64).
	Nodes int
	// APIServerFlags are extra kube-apiserver flags ("--name=value"), appended
	// last. A --runtime-config that switches admissionregistration.k8s.io/v1
	// off also disables the webhook and admission-policy plugins; any
	// --disable-admission-plugins given here is merged with the bed's own.
	// Flags the bed must own (addresses, ports, etcd, service range) and
	// --enable-aggregator-routing are rejected.
	APIServerFlags []string
	// ControllerManagerFlags are extra kube-controller-manager flags
	// ("--name=value"), appended last; a --controllers given here replaces
	// the bed's list (e.g. "--controllers=*,-serviceaccount-token,..." for a
	// cluster whose token controller does not run). Flags that would open a
	// port or swap the bed's identity and keys are rejected.
	ControllerManagerFlags []string
	// RestrictedUser also writes a context "<name>-restricted" whose user is a
	// static token bound by RBAC only to get/list pods in namespace default.
	RestrictedUser bool
	// ServerAddress, if set, is the server URL written into the kubeconfig
	// for this cluster instead of https://127.0.0.1:<port>. The apiserver
	// still serves on 127.0.0.1 and Cluster.RESTConfig still reaches it. The
	// bed never dials this address.
	ServerAddress string
	// KeepWebhooks leaves the MutatingAdmissionWebhook and
	// ValidatingAdmissionWebhook admission plugins on (see the package doc).
	KeepWebhooks bool
	// LoadBalancerNet is the /24 the fake load-balancer assigner takes
	// addresses from: default 127.0.<10+index>.0/24. Loopback addresses
	// cannot be EndpointSlice endpoints, so a test whose LB address ends up
	// in one (a remote's istiod pointing at its primary's east-west gateway)
	// uses a documentation range instead: 192.0.2.0/24, 198.51.100.0/24 or
	// 203.0.113.0/24 (RFC 5737). Either way the addresses are data that
	// nothing dials; no other range is accepted.
	LoadBalancerNet string
	// NoLoadBalancer runs no load-balancer assigner: LoadBalancer Services
	// never get an address, as on a cluster without a load-balancer
	// controller (bare metal without MetalLB).
	NoLoadBalancer bool
	// LoadBalancerHostname, if set, makes the load-balancer assigner report
	// a host name instead of an IP, as an AWS NLB does: Service <name> in
	// <namespace> gets <name>-<namespace>.<LoadBalancerHostname>. It must be a
	// DNS subdomain; nothing resolves or dials it.
	LoadBalancerHostname string
}

// Options configures Start.
type Options struct {
	// Clusters lists 1 to MaxClusters clusters.
	Clusters []ClusterSpec
	// BinDir holds the five binaries; default: the result of Binaries().
	BinDir string
	// Dir is the work directory. Default: a new temporary directory that
	// Stop removes unless Keep is set. A given Dir is created if needed and
	// never removed by Stop; Start refuses it while processes recorded in
	// its pids file still run, and replaces its etcd data and logs.
	Dir string
	// Keep keeps a temporary Dir after Stop (for debugging).
	Keep bool
	// Logf receives progress lines; default: discard.
	Logf func(format string, args ...any)
	// Detached starts the processes in their own session without Pdeathsig,
	// so that they outlive the caller (the sandbox). The fake load-balancer
	// assigner still runs in the calling process.
	Detached bool
}

// ownedFlags are kube-apiserver flags that the bed sets and APIServerFlags may
// not override, or that would break the network rule.
var ownedFlags = map[string]string{
	"--bind-address":                     "the apiserver always binds 127.0.0.1",
	"--advertise-address":                "the apiserver always advertises 127.0.0.1",
	"--secure-port":                      "the bed picks a free port",
	"--etcd-servers":                     "the bed runs the etcd",
	"--etcd-prefix":                      "the bed sets one prefix per cluster",
	"--service-cluster-ip-range":         "use ClusterSpec.ServiceCIDR",
	"--enable-aggregator-routing":        "it makes the apiserver dial pod IPs (network rule)",
	"--endpoint-reconciler-type":         "loopback addresses cannot be endpoints",
	"--token-auth-file":                  "the bed writes the token file",
	"--client-ca-file":                   "the bed owns the PKI",
	"--tls-cert-file":                    "the bed owns the PKI",
	"--tls-private-key-file":             "the bed owns the PKI",
	"--service-account-key-file":         "the bed owns the PKI",
	"--service-account-signing-key-file": "the bed owns the PKI",
}

// ownedKCMFlags are kube-controller-manager flags ControllerManagerFlags may
// not set: the bed's addresses, ports, identities and keys.
var ownedKCMFlags = map[string]bool{
	"--kubeconfig": true, "--authentication-kubeconfig": true, "--authorization-kubeconfig": true,
	"--bind-address": true, "--secure-port": true, "--service-account-private-key-file": true,
	"--root-ca-file": true, "--cluster-signing-cert-file": true, "--cluster-signing-key-file": true,
}

// normalized returns a copy of specs with defaults filled in, or an error that
// names the offending cluster. It needs no binaries and touches no files.
func normalized(specs []ClusterSpec) ([]ClusterSpec, error) {
	if len(specs) == 0 || len(specs) > MaxClusters {
		return nil, fmt.Errorf("testbed: %d clusters requested; a bed runs 1 to %d", len(specs), MaxClusters)
	}
	out := make([]ClusterSpec, len(specs))
	contexts := map[string]int{}
	for i, s := range specs {
		s.APIServerFlags = append([]string(nil), s.APIServerFlags...)
		if s.Name == "" {
			s.Name = fmt.Sprintf("c%d", i)
		}
		label := fmt.Sprintf("cluster %d (%q)", i, s.Name)
		if errs := validation.IsDNS1123Label(s.Name); len(errs) > 0 {
			return nil, fmt.Errorf("testbed: %s: invalid name: %s", label, strings.Join(errs, "; "))
		}
		if len(s.Name) > 40 {
			return nil, fmt.Errorf("testbed: %s: name longer than 40 characters", label)
		}
		names := []string{s.Name}
		if s.RestrictedUser {
			names = append(names, s.Name+"-restricted")
		}
		for _, n := range names {
			if j, dup := contexts[n]; dup {
				return nil, fmt.Errorf("testbed: %s: context name %q is already used by cluster %d", label, n, j)
			}
			contexts[n] = i
		}
		if s.Nodes == 0 {
			s.Nodes = 1
		}
		if s.Nodes < 0 || s.Nodes > maxNodes {
			return nil, fmt.Errorf("testbed: %s: %d nodes; use 1 to %d", label, s.Nodes, maxNodes)
		}
		if s.ServiceCIDR == "" {
			s.ServiceCIDR = fmt.Sprintf("127.%d.0.0/16", 96+i)
		}
		svc, err := checkServiceCIDR(s.ServiceCIDR)
		if err != nil {
			return nil, fmt.Errorf("testbed: %s: %w", label, err)
		}
		s.ServiceCIDR = svc.String()
		if s.PodCIDR == "" {
			s.PodCIDR = fmt.Sprintf("10.%d.0.0/16", 244+i)
		}
		pod, err := checkPodCIDR(s.PodCIDR, s.Nodes)
		if err != nil {
			return nil, fmt.Errorf("testbed: %s: %w", label, err)
		}
		s.PodCIDR = pod.String()
		if s.LoadBalancerNet == "" {
			s.LoadBalancerNet = fmt.Sprintf("127.0.%d.0/24", 10+i)
		}
		if !allowedLBNet(s.LoadBalancerNet) {
			return nil, fmt.Errorf("testbed: %s: LoadBalancerNet %q: use a /24 inside 127.0.0.0/16 or an RFC 5737 documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)", label, s.LoadBalancerNet)
		}
		if h := s.LoadBalancerHostname; h != "" {
			if errs := validation.IsDNS1123Subdomain(h); len(errs) > 0 || s.NoLoadBalancer {
				return nil, fmt.Errorf("testbed: %s: LoadBalancerHostname %q: give a DNS subdomain such as elb.example.test, and not with NoLoadBalancer", label, h)
			}
		}
		if s.ServerAddress != "" {
			u, err := url.Parse(s.ServerAddress)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return nil, fmt.Errorf("testbed: %s: ServerAddress %q is not an https:// URL with a host", label, s.ServerAddress)
			}
		}
		s.ControllerManagerFlags = append([]string(nil), s.ControllerManagerFlags...)
		for _, f := range s.ControllerManagerFlags {
			name, _, _ := strings.Cut(f, "=")
			if !strings.HasPrefix(f, "--") || ownedKCMFlags[name] {
				return nil, fmt.Errorf("testbed: %s: ControllerManagerFlags entry %q: give --name=value, not one of the bed's own (addresses, ports, kubeconfigs, keys)", label, f)
			}
		}
		for _, f := range s.APIServerFlags {
			if !strings.HasPrefix(f, "--") {
				return nil, fmt.Errorf("testbed: %s: APIServerFlags entry %q does not start with --", label, f)
			}
			name, _, _ := strings.Cut(f, "=")
			if why, owned := ownedFlags[name]; owned {
				return nil, fmt.Errorf("testbed: %s: APIServerFlags may not set %s: %s", label, name, why)
			}
		}
		out[i] = s
	}
	return out, nil
}

var loopback8 = netip.MustParsePrefix("127.0.0.0/8")
var reserved16 = netip.MustParsePrefix("127.0.0.0/16")

func checkServiceCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("ServiceCIDR %q: %w", s, err)
	}
	p = p.Masked()
	if !p.Addr().Is4() || !loopback8.Contains(p.Addr()) || p.Bits() < 8 {
		return p, fmt.Errorf("ServiceCIDR %q is not inside 127.0.0.0/8: the apiserver dials webhook Services' ClusterIPs, and every byte of the test bed must stay on loopback", s)
	}
	if p.Bits() < 12 || p.Bits() > 28 {
		return p, fmt.Errorf("ServiceCIDR %q: prefix length must be between /12 and /28", s)
	}
	if p.Overlaps(reserved16) {
		return p, fmt.Errorf("ServiceCIDR %q overlaps 127.0.0.0/16, which holds the apiservers and the fake load-balancer IPs", s)
	}
	return p, nil
}

func checkPodCIDR(s string, nodes int) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("PodCIDR %q: %w", s, err)
	}
	p = p.Masked()
	if !p.Addr().Is4() {
		return p, fmt.Errorf("PodCIDR %q is not IPv4", s)
	}
	if loopback8.Overlaps(p) {
		return p, errors.New("PodCIDR " + s + " overlaps 127.0.0.0/8: EndpointSlices reject loopback pod IPs")
	}
	if p.Bits() > 24 || p.Bits() < 8 {
		return p, fmt.Errorf("PodCIDR %q: prefix length must be between /8 and /24 (nodes get /24s)", s)
	}
	if avail := 1 << (24 - p.Bits()); nodes > avail {
		return p, fmt.Errorf("PodCIDR %q has room for %d node /24s, %d nodes requested", s, avail, nodes)
	}
	return p, nil
}

// nodeCIDR returns the k-th /24 of a normalized pod CIDR.
func nodeCIDR(pod string, k int) string {
	a := netip.MustParsePrefix(pod).Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8
	v += uint32(k) << 8
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), 0}), 24).String()
}

// firstServiceIP is the ClusterIP of the "kubernetes" Service: the range's
// network address plus one.
func firstServiceIP(svc string) string {
	return netip.MustParsePrefix(svc).Addr().Next().String()
}

// runtimeConfigDisablesAdmission reports whether the flags switch the
// admissionregistration.k8s.io/v1 API off (notes §12).
func runtimeConfigDisablesAdmission(flags []string) bool {
	for _, f := range flags {
		v, ok := strings.CutPrefix(f, "--runtime-config=")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if !strings.EqualFold(val, "false") {
				continue
			}
			switch k {
			case "api/all", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io":
				return true
			}
		}
	}
	return false
}

// hasRuntimeConfig reports whether the flags change which APIs are served.
func hasRuntimeConfig(flags []string) bool {
	for _, f := range flags {
		if strings.HasPrefix(f, "--runtime-config") {
			return true
		}
	}
	return false
}

// allowedLBNet accepts /24s that are loopback or documentation ranges.
func allowedLBNet(s string) bool {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Bits() != 24 || p.Masked() != p {
		return false
	}
	switch s {
	case "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24":
		return true
	}
	return reserved16.Contains(p.Addr())
}
