package testbed

import (
	"strings"
	"testing"
)

// TestLoadBalancerHostnameSpec: a DNS subdomain is kept; anything else, or
// a host name together with NoLoadBalancer, is refused with the field named.
func TestLoadBalancerHostnameSpec(t *testing.T) {
	specs, err := normalized([]ClusterSpec{{Name: "a", LoadBalancerHostname: "elb.example.test"}})
	if err != nil || specs[0].LoadBalancerHostname != "elb.example.test" {
		t.Fatalf("%v %+v", err, specs)
	}
	for _, bad := range []ClusterSpec{
		{Name: "a", LoadBalancerHostname: "Not_A.Name"},
		{Name: "a", LoadBalancerHostname: "elb.example.test", NoLoadBalancer: true},
	} {
		if _, err := normalized([]ClusterSpec{bad}); err == nil || !strings.Contains(err.Error(), "LoadBalancerHostname") {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
}
