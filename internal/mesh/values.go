package mesh

import (
	"fmt"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// CheckServer says what is wrong with an API server URL that other clusters
// will use (clusters[].server, --server): it must be https:// with a host,
// and carry no user or password (it is written into remote secrets and
// shown in reports).
func CheckServer(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q is not an https:// URL with a host", truncate(s))
	case u.User != nil:
		return fmt.Errorf("%q holds a user name or password: remote secrets carry their own token", truncate(redactUser(u)))
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q has a query or fragment: give the server's base URL", truncate(s))
	}
	return nil
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("xxxxx")
	return c.String()
}

// CheckName says what is wrong with a mesh cluster name (clusters[].name,
// --name): a DNS-1123 label that is not Istio's default "Kubernetes".
func CheckName(s string) error {
	if strings.EqualFold(s, reservedName) {
		return fmt.Errorf("%q is Istio's default cluster name, which every cluster would share", s)
	}
	if msgs := validation.IsDNS1123Label(s); len(msgs) > 0 {
		return fmt.Errorf("%q is not a DNS-1123 label: %s", truncate(s), strings.Join(msgs, "; "))
	}
	return nil
}
