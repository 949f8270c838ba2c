package mesh

import (
	"strconv"
	"strings"
)

// maxLabel is the longest DNS-1123 label.
const maxLabel = 63

// reservedName is Istio's default cluster name (constants.DefaultClusterName,
// compared case-insensitively): every istiod that is not told otherwise calls
// its cluster that, so two of them collide (istio/istio#42516).
const reservedName = "kubernetes"

// SuggestName turns a kubeconfig context name into a cluster name (a DNS-1123
// label): lower case, each run of other characters becomes '-', at most 63
// characters. Cloud context names keep their last, most specific part:
// gke_project_zone_NAME → NAME, arn:…:cluster/NAME → NAME. A context that
// yields nothing, or Istio's default name "kubernetes", gives "cluster".
func SuggestName(context string) string {
	s := strings.ToLower(context)
	if strings.HasPrefix(s, "gke_") || strings.HasPrefix(s, "arn:") {
		if i := strings.LastIndexAny(s, "_/"); i >= 0 && i < len(s)-1 {
			s = s[i+1:]
		}
	}
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := truncateLabel(b.String())
	if out == "" || out == reservedName {
		return "cluster"
	}
	return out
}

// truncateLabel trims s to a label's length and strips the dashes a label
// may not start or end with.
func truncateLabel(s string) string {
	if len(s) > maxLabel {
		s = s[:maxLabel]
	}
	return strings.Trim(s, "-")
}

// uniqueLabel returns base, or base-2, base-3, … (still at most 63
// characters), whichever taken does not hold yet.
func uniqueLabel(base string, taken map[string]bool) string {
	if !taken[base] {
		return base
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		s := base
		if len(s)+len(suffix) > maxLabel {
			s = strings.TrimRight(s[:maxLabel-len(suffix)], "-")
		}
		if s += suffix; !taken[s] {
			return s
		}
	}
}

// NetworkFor is the network a cluster named name gets by default when the
// clusters are on networks of their own: "network-<name>", cut to a label.
func NetworkFor(name string) string {
	return truncateLabel("network-" + name)
}

// remoteSecretPrefix starts the name of every remote secret meshwiz writes.
const remoteSecretPrefix = "istio-remote-secret-"

// RemoteSecretName is the name of the Secret in a primary that lets its
// istiod read the cluster named cluster (istioctl's own naming).
func RemoteSecretName(cluster string) string { return remoteSecretPrefix + cluster }

// RemoteSecretCluster is the cluster a remote secret named name is for, by
// RemoteSecretName's rule; name itself when it does not follow the rule.
func RemoteSecretCluster(name string) string { return strings.TrimPrefix(name, remoteSecretPrefix) }

// slashEscape is how Istio's injection webhook spells '/' inside a path
// segment (pkg/kube/inject/webhook.go parseInjectEnvs).
const slashEscape = "--slash--"

// InjectionPath is the sidecar-injector path of a remote cluster
// (istiodRemote.injectionPath): /inject/cluster/<name>/net/<network>, with
// every '/' in the name or network written as "--slash--".
func (cl Cluster) InjectionPath() string {
	esc := func(s string) string { return strings.ReplaceAll(s, "/", slashEscape) }
	return "/inject/cluster/" + esc(cl.Name) + "/net/" + esc(cl.Network)
}
