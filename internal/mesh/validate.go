package mesh

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FieldError is one problem with one field of a mesh file.
type FieldError struct {
	// Field is the path of the field as written in the file, e.g.
	// "clusters[1].primary".
	Field string
	// Problem says what is wrong with the value.
	Problem string
	// Fix says what to write instead.
	Fix string
}

// Error returns "<field>: <problem> (<fix>)".
func (e *FieldError) Error() string {
	if e.Fix == "" {
		return e.Field + ": " + e.Problem
	}
	return e.Field + ": " + e.Problem + " (" + e.Fix + ")"
}

// FieldErrors returns every *FieldError in err, which may be one or joined
// (errors.Join) or wrapped, in order. The TUI uses it to mark form fields.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case *FieldError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, err := range e.Unwrap() {
				walk(err)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// problems collects FieldErrors.
type problems []error

func (p *problems) add(field, problem, fix string, args ...any) {
	*p = append(*p, &FieldError{Field: truncate(field), Problem: truncateText(problem), Fix: truncateText(fmt.Sprintf(fix, args...))})
}

// maxProblems is how many problems one error lists; the rest are counted.
const maxProblems = 20

// join returns the problems as one error (nil when there are none), at
// most maxProblems of them, then "… and N more problems".
func (p problems) join() error {
	if len(p) <= maxProblems {
		return errors.Join(p...)
	}
	out := slices.Clone(p[:maxProblems])
	return errors.Join(append(out, fmt.Errorf("… and %d more problems", len(p)-maxProblems))...)
}

// maxEcho is how many characters of a value a message repeats.
const maxEcho = 100

// truncate shortens a value echoed in a message to maxEcho characters.
func truncate(s string) string {
	r := []rune(s)
	if len(r) <= maxEcho {
		return s
	}
	return string(r[:maxEcho]) + fmt.Sprintf("…(%d more characters)", len(r)-maxEcho)
}

// truncateText caps a whole message (it may hold several echoed values).
func truncateText(s string) string {
	if len(s) <= 8*maxEcho {
		return s
	}
	return strings.ToValidUTF8(s[:8*maxEcho], "") + fmt.Sprintf("…(%d more bytes)", len(s)-8*maxEcho)
}

// Validate reports every problem in c at once, joined with errors.Join; each
// is a *FieldError naming the field and a fix. Call it after Default: unset
// fields are problems too.
func (c *Config) Validate() error {
	var p problems
	p.header(c)
	if c.MeshID == "" {
		p.add("meshID", "is empty", "set meshID: %s; it must be the same in every cluster", DefaultMeshID)
	} else if msgs := meshIDProblems(c.MeshID); len(msgs) > 0 {
		p.add("meshID", fmt.Sprintf("%q is not a valid mesh ID: %s", truncate(c.MeshID), strings.Join(msgs, "; ")),
			"use lower case letters, digits, '-' and '.', e.g. %s", DefaultMeshID)
	}
	if c.Model != MultiPrimary && c.Model != PrimaryRemote {
		p.add("model", fmt.Sprintf("%q is not a model", c.Model), "use %s or %s", MultiPrimary, PrimaryRemote)
	}
	p.istio(&c.Istio)
	p.clusters(c)
	p.security(&c.Security)
	p.gateway(c)
	return p.join()
}

// header checks apiVersion and kind; Parse checks them too.
func (p *problems) header(c *Config) {
	if c.APIVersion != APIVersion {
		p.add("apiVersion", describe(c.APIVersion)+", not "+APIVersion, "start the file with apiVersion: %s", APIVersion)
	}
	if c.Kind != Kind {
		p.add("kind", describe(c.Kind)+", not "+Kind, "set kind: %s", Kind)
	}
}

func describe(s string) string {
	if s == "" {
		return "is missing"
	}
	return fmt.Sprintf("is %q", s)
}

func meshIDProblems(id string) []string {
	msgs := validation.IsDNS1123Subdomain(id)
	if len(id) > maxLabel {
		msgs = append(msgs, fmt.Sprintf("must be no more than %d characters", maxLabel))
	}
	return msgs
}

func (p *problems) istio(i *Istio) {
	p.version(i)
	if i.Hub == "" {
		p.add("istio.hub", "is empty", "set the image registry, e.g. hub: %s", DefaultHub)
	}
	ch := i.Charts
	switch ch.Source {
	case ChartsEmbedded, ChartsRepo, ChartsPath:
	default:
		p.add("istio.charts.source", fmt.Sprintf("%q is not a chart source", ch.Source), "use %s, %s or %s", ChartsEmbedded, ChartsRepo, ChartsPath)
	}
	if ch.Source == ChartsPath && ch.Path == "" {
		p.add("istio.charts.path", "is empty, but source is path", "set path to a directory holding base/, istiod/ and gateway/ (chart directories or .tgz)")
	}
	if ch.Source != ChartsPath && ch.Path != "" {
		p.add("istio.charts.path", fmt.Sprintf("is set, but source is %q", ch.Source), "set source: %s, or remove path", ChartsPath)
	}
	if ch.Source != ChartsRepo && ch.RepoURL != "" {
		p.add("istio.charts.repoURL", fmt.Sprintf("is set, but source is %q", ch.Source), "set source: %s, or remove repoURL", ChartsRepo)
	}
	if ch.Source == ChartsRepo {
		if u, err := url.Parse(ch.RepoURL); err != nil || u.Host == "" || !slices.Contains([]string{"https", "http", "oci"}, u.Scheme) {
			p.add("istio.charts.repoURL", fmt.Sprintf("%q is not a Helm repository URL", ch.RepoURL), "use an https:// or oci:// URL, e.g. %s", DefaultRepoURL)
		}
	}
}

func (p *problems) security(s *Security) {
	switch s.MTLS {
	case MTLSStrict, MTLSPermissive:
	default:
		fix := fmt.Sprintf("use %s or %s (Istio's default)", MTLSStrict, MTLSPermissive)
		if up := strings.ToUpper(s.MTLS); up == MTLSStrict || up == MTLSPermissive {
			fix = "write it in capitals: " + up
		}
		p.add("security.mtls", fmt.Sprintf("%q is not an mTLS mode", s.MTLS), "%s", fix)
	}
	if s.CA.Mode != CAGenerate && s.CA.Mode != CAExisting {
		p.add("security.ca.mode", fmt.Sprintf("%q is not a CA mode", s.CA.Mode),
			"use %s (meshwiz makes a root and per-cluster intermediates) or %s (read them from dir)", CAGenerate, CAExisting)
	}
	if s.CA.Dir == "" {
		p.add("security.ca.dir", "is empty", "set the directory of root-cert.pem and <cluster>/ca-cert.pem…, e.g. dir: %s", DefaultCADir)
	}
}

func (p *problems) gateway(c *Config) {
	g := c.EastWestGateway
	if g.ServiceType != LoadBalancer && g.ServiceType != NodePort {
		p.add("eastWestGateway.serviceType", fmt.Sprintf("%q is not a gateway service type", g.ServiceType), "use %s or %s", LoadBalancer, NodePort)
	}
	p.ips("eastWestGateway.externalIPs", g.ExternalIPs)
	if g.ServiceType == LoadBalancer && len(g.ExternalIPs) > 0 {
		p.add("eastWestGateway.externalIPs", "are set, but serviceType is LoadBalancer", "use serviceType: %s, or remove externalIPs: the load balancer provides the address", NodePort)
	}
	if g.ServiceType != NodePort {
		return
	}
	var shared, bare []string // gateways that would use the mesh-wide addresses, or none
	var bareIdx []int
	perCluster := false
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		perCluster = perCluster || len(cl.ExternalIPs) > 0
		switch {
		case !c.NeedsEastWestGateway(cl), len(cl.ExternalIPs) > 0:
		case len(g.ExternalIPs) > 0:
			shared = append(shared, cl.Name)
		default:
			bare, bareIdx = append(bare, cl.Name), append(bareIdx, i)
		}
	}
	if len(bare) > 0 && !perCluster {
		p.add("eastWestGateway.externalIPs", fmt.Sprintf("are empty, but the NodePort east-west gateways (%s) need the addresses other clusters reach them on", strings.Join(bare, ", ")),
			"list the node IPs here when only one cluster gets a gateway, otherwise under each cluster: clusters[].externalIPs: [192.0.2.10]")
	} else {
		for k, i := range bareIdx {
			p.add(fmt.Sprintf("clusters[%d].externalIPs", i), fmt.Sprintf("are empty, but the NodePort east-west gateway of %s needs the addresses other clusters reach it on", bare[k]),
				"list its node IPs, e.g. externalIPs: [192.0.2.10]")
		}
	}
	if len(shared) > 1 {
		p.add("eastWestGateway.externalIPs", fmt.Sprintf("would be the address of %d east-west gateways (%s), but each gateway has its own", len(shared), strings.Join(shared, ", ")),
			"set clusters[].externalIPs on %s instead", strings.Join(shared, ", "))
	}
}

// ips checks a list of IP addresses.
func (p *problems) ips(field string, ips []string) {
	seen := map[netip.Addr]bool{}
	for j, s := range ips {
		f := fmt.Sprintf("%s[%d]", field, j)
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil:
			p.add(f, fmt.Sprintf("%q is not an IP address", s), "write a node IP such as 192.0.2.10 (no port, no host name)")
		case seen[a]:
			p.add(f, fmt.Sprintf("%s is listed twice", s), "remove one")
		}
		seen[a] = true
	}
}

// ValidateContexts reports every cluster whose context is not among the
// available kubeconfig contexts, listing those.
func (c *Config) ValidateContexts(available []string) error {
	var p problems
	fix := "use one of: " + strings.Join(available, ", ")
	if len(available) == 0 {
		fix = "the kubeconfig has no contexts: check KUBECONFIG or --kubeconfig"
	}
	for i, cl := range c.Clusters {
		if cl.Context != "" && !slices.Contains(available, cl.Context) {
			p.add(fmt.Sprintf("clusters[%d].context", i), fmt.Sprintf("%q is not a context in the kubeconfig", cl.Context), "%s", fix)
		}
	}
	return errors.Join(p...)
}
