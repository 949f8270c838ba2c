package checks

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Service range sources, in the order they are tried.
const (
	SourceServiceCIDRAPI = "ServiceCIDR API"
	SourceAPIServerFlag  = "kube-apiserver flag"
)

// ServiceRange returns the cluster's service CIDRs: from the
// networking.k8s.io/v1 ServiceCIDR objects, else from the
// --service-cluster-ip-range flag of a kube-apiserver static pod in
// kube-system, else an empty range with no source (unknown).
func (f *Facts) ServiceRange(ctx context.Context) (ServiceRange, error) {
	return f.services.get(func() (ServiceRange, error) {
		list, err := f.Client.Kube.NetworkingV1().ServiceCIDRs().List(ctx, metav1.ListOptions{})
		switch {
		case err == nil && len(list.Items) > 0:
			r := ServiceRange{Source: SourceServiceCIDRAPI}
			for _, s := range list.Items {
				r.CIDRs = append(r.CIDRs, s.Spec.CIDRs...)
			}
			return r, nil
		case err != nil && !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err):
			return ServiceRange{}, f.wrap("listing ServiceCIDRs", err)
		}
		pods, err := f.Client.Kube.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "component=kube-apiserver"})
		if err != nil && !apierrors.IsForbidden(err) {
			return ServiceRange{}, f.wrap("listing kube-apiserver pods in kube-system", err)
		}
		if err == nil {
			for _, p := range pods.Items {
				for _, c := range p.Spec.Containers {
					if v := flagValue(append(slices.Clone(c.Command), c.Args...), "--service-cluster-ip-range"); v != "" {
						return ServiceRange{CIDRs: strings.Split(v, ","), Source: SourceAPIServerFlag}, nil
					}
				}
			}
		}
		return ServiceRange{}, nil
	})
}

// flagValue finds --name=value or --name value in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// span is a closed address interval [lo, hi].
type span struct{ lo, hi netip.Addr }

// Ranges is a set of address ranges, merged and sorted, so that two sets are
// compared in linear time however many node CIDRs they came from.
type Ranges []span

// NewRanges parses CIDRs (invalid ones are returned as an error naming them)
// and merges them.
func NewRanges(cidrs []string) (Ranges, error) {
	spans := make([]span, 0, len(cidrs))
	var bad []string
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			bad = append(bad, c)
			continue
		}
		p = p.Masked()
		spans = append(spans, span{lo: p.Addr(), hi: lastAddr(p)})
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("invalid CIDR %s", strings.Join(bad, ", "))
	}
	return merge(spans), nil
}

// Union returns the ranges covered by r or o.
func (r Ranges) Union(o Ranges) Ranges {
	return merge(append(append([]span{}, r...), o...))
}

// merge sorts spans and joins the overlapping and adjacent ones.
func merge(spans []span) Ranges {
	slices.SortFunc(spans, func(a, b span) int { return a.lo.Compare(b.lo) })
	out := Ranges{}
	for _, s := range spans {
		if n := len(out); n > 0 && (s.lo.Compare(out[n-1].hi) <= 0 || out[n-1].hi.Next() == s.lo) {
			out[n-1].hi = maxAddr(out[n-1].hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for bit := 0; bit < 8; bit++ {
			if i*8+bit >= bits {
				b[i] |= 0x80 >> bit
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func maxAddr(a, b netip.Addr) netip.Addr {
	if a.Compare(b) >= 0 {
		return a
	}
	return b
}

// Overlap returns the first range where r and o overlap, as "lo-hi", or "".
func (r Ranges) Overlap(o Ranges) string {
	i, j := 0, 0
	for i < len(r) && j < len(o) {
		a, b := r[i], o[j]
		if a.lo.Compare(b.hi) <= 0 && b.lo.Compare(a.hi) <= 0 { // Compare orders IPv4 before IPv6
			lo, hi := maxAddr(a.lo, b.lo), a.hi
			if b.hi.Compare(hi) < 0 {
				hi = b.hi
			}
			return lo.String() + "-" + hi.String()
		}
		if a.hi.Compare(b.hi) < 0 {
			i++
		} else {
			j++
		}
	}
	return ""
}

// String renders the merged ranges (CIDR-like "lo-hi" spans).
func (r Ranges) String() string {
	parts := make([]string, len(r))
	for i, s := range r {
		parts[i] = s.lo.String() + "-" + s.hi.String()
	}
	return strings.Join(parts, ",")
}
