package kube

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Reason classifies why a cluster could not be used.
type Reason string

// Reasons a request to an API server fails, told apart so the operator gets
// the right advice.
const (
	ReasonNone          Reason = ""
	ReasonDNS           Reason = "dns"
	ReasonRefused       Reason = "connection-refused"
	ReasonTimeout       Reason = "timeout"
	ReasonUnknownCA     Reason = "tls-unknown-authority"
	ReasonTLSHostname   Reason = "tls-hostname"
	ReasonTLS           Reason = "tls"
	ReasonUnauthorized  Reason = "unauthorized"
	ReasonForbidden     Reason = "forbidden"
	ReasonExecPlugin    Reason = "exec-plugin"
	ReasonExecFailed    Reason = "exec-plugin-failed"
	ReasonExecTimeout   Reason = "exec-plugin-timeout"
	ReasonPlainHTTP     Reason = "tls-plain-http"
	ReasonCanceled      Reason = "canceled"
	ReasonUnclassified  Reason = "error"
	ReasonInvalidConfig Reason = "invalid-config"
	ReasonMissingEntry  Reason = "missing-entry"
	ReasonNoContexts    Reason = "no-contexts"
)

// Reasons lists every Reason a probe or a command reports, for the docs.
var Reasons = []Reason{ReasonDNS, ReasonRefused, ReasonTimeout, ReasonUnknownCA, ReasonTLSHostname, ReasonTLS,
	ReasonPlainHTTP, ReasonUnauthorized, ReasonForbidden, ReasonExecPlugin, ReasonExecFailed, ReasonExecTimeout,
	ReasonInvalidConfig, ReasonMissingEntry, ReasonNoContexts, ReasonCanceled, ReasonUnclassified}

// ConfigError is a problem in the kubeconfig itself: its message and hint
// name the kubeconfig entry to fix.
type ConfigError struct {
	Reason Reason
	Msg    string
	Hint   string
}

func (e *ConfigError) Error() string { return e.Msg }

// ContextError is an error about one kube context. Its message names the
// context and the server, and explains the cause in plain words.
type ContextError struct {
	Context string
	Server  string
	Cluster string // the kubeconfig clusters[] entry, when known
	Op      string
	Err     error
}

func (e *ContextError) Error() string {
	_, explain, _ := Classify(e.Err)
	where := fmt.Sprintf("context %q", e.Context)
	if e.Server != "" {
		where += " (" + RedactURL(e.Server) + ")"
	}
	return fmt.Sprintf("%s: %s: %s", where, e.Op, explain)
}

// Unwrap returns the underlying error.
func (e *ContextError) Unwrap() error { return e.Err }

// Reason returns the classification of the underlying error.
func (e *ContextError) Reason() Reason { r, _, _ := Classify(e.Err); return r }

// Hint returns what the operator should do about the error.
func (e *ContextError) Hint() string {
	_, _, h := Classify(e.Err)
	if e.Cluster != "" {
		h = strings.ReplaceAll(h, "clusters[]", "clusters["+e.Cluster+"]")
	}
	return h
}

// Classify tells apart the usual ways an API request fails. It returns the
// reason, a one-line explanation (with the original error) and a hint.
func Classify(err error) (reason Reason, explanation, hint string) {
	if err == nil {
		return ReasonNone, "", ""
	}
	msg := err.Error()
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr x509.CertificateInvalidError
	var cfgErr *ConfigError
	var execErr *ExecError
	switch {
	case errors.As(err, &cfgErr):
		return cfgErr.Reason, cfgErr.Msg, cfgErr.Hint
	case errors.As(err, &execErr):
		return execErr.reason(), execErr.Error(), execErr.hint()
	case errors.Is(err, context.Canceled):
		return ReasonCanceled, "canceled", ""
	case strings.Contains(msg, "executable file not found") || (strings.Contains(msg, "exec: executable") && strings.Contains(msg, "not found")) || strings.Contains(msg, "exec plugin"):
		return ReasonExecPlugin, "the kubeconfig's exec credential plugin could not run: " + msg,
			"install the credential plugin named in the kubeconfig's users[].user.exec.command (e.g. gke-gcloud-auth-plugin, aws, kubelogin) and make sure it is on PATH"
	case errors.As(err, &dnsErr):
		return ReasonDNS, fmt.Sprintf("the server name %q does not resolve: %s", dnsErr.Name, msg),
			"check the server URL in the kubeconfig, your DNS or VPN; private endpoints need the right network"
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonRefused, "connection refused: nothing listens at the server address: " + msg,
			"check that the cluster is running and that the server URL and port in the kubeconfig are right"
	case errors.As(err, &unknownCA):
		return ReasonUnknownCA, "the server's certificate is signed by an authority the kubeconfig does not trust: " + msg,
			"set certificate-authority-data for this cluster to the cluster's CA (a proxy in front of the API server needs its own CA or tls-server-name)"
	case errors.As(err, &hostErr):
		return ReasonTLSHostname, "the server's certificate is not valid for the address used: " + msg,
			"use an address the certificate names, or set tls-server-name in the kubeconfig"
	case strings.Contains(msg, "server gave HTTP response to HTTPS client") || strings.Contains(msg, "first record does not look like a TLS handshake"):
		return ReasonPlainHTTP, "the server answers plain HTTP, not TLS: " + msg,
			"the kubeconfig's clusters[].cluster.server says https:// but the port serves http://: fix the URL or the port (meshwiz needs TLS to the API server)"
	case errors.As(err, &certErr):
		return ReasonTLS, "the server's certificate is invalid: " + msg, "check the server's certificate and the kubeconfig's CA"
	case apierrors.IsUnauthorized(err):
		return ReasonUnauthorized, "the server rejected the kubeconfig's credentials (401 Unauthorized)",
			"refresh the credentials (token expired? client certificate from another cluster?) and try again"
	case apierrors.IsForbidden(err):
		return ReasonForbidden, "the credentials are valid but not allowed to do this (403 Forbidden): " + msg,
			"use a context with cluster-admin rights, or ask for the missing RBAC permissions"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return ReasonTimeout, "no answer in time: " + msg,
			"the server address may be unreachable from here (firewall, VPN, private endpoint), or the API server is overloaded"
	}
	return ReasonUnclassified, msg, ""
}

func isTimeout(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return strings.Contains(err.Error(), "Client.Timeout exceeded") || strings.Contains(err.Error(), "i/o timeout")
}
