package checks

import "testing"

func TestSuggestName(t *testing.T) {
	cases := map[string]string{
		"kind-east":                                  "kind-east",
		"gke_my-proj_europe-west1_prod1":             "prod1",
		"arn:aws:eks:eu-west-1:123:cluster/payments": "payments",
		"Admin@Cluster.Local":                        "admin-cluster-local",
		"___":                                        "cluster",
	}
	for in, want := range cases {
		if got := SuggestName(in); got != want {
			t.Errorf("SuggestName(%q) = %q, want %q", in, got, want)
		}
	}
}
