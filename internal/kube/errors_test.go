package kube_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/testbed"
)

// getErr wraps err as client-go's HTTP client reports it.
func getErr(err error) error {
	return &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/version", Err: err}
}

// timeoutErr is a net.Error that timed out, like a dial or read deadline.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "read tcp 127.0.0.1:6443: i/o deadline reached" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cert := &x509.Certificate{DNSNames: []string{"kubernetes.default.svc"}}
	tests := []struct {
		name    string
		err     error
		reason  kube.Reason
		explain string // a substring of the explanation
	}{
		{"nil", nil, kube.ReasonNone, ""},
		{"dns", getErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}}),
			kube.ReasonDNS, `"api.example.invalid" does not resolve`},
		{"refused", getErr(refused), kube.ReasonRefused, "connection refused"},
		{"refused in a ContextError", &kube.ContextError{Context: "east", Op: "reading server version", Err: getErr(refused)},
			kube.ReasonRefused, "nothing listens"},
		{"unknown authority", getErr(x509.UnknownAuthorityError{}), kube.ReasonUnknownCA, "authority the kubeconfig does not trust"},
		{"unknown authority, as crypto/tls reports it", getErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}),
			kube.ReasonUnknownCA, "does not trust"},
		{"hostname", getErr(x509.HostnameError{Certificate: cert, Host: "127.0.0.1"}), kube.ReasonTLSHostname, "not valid for the address"},
		{"expired", getErr(x509.CertificateInvalidError{Cert: cert, Reason: x509.Expired}), kube.ReasonTLS, "certificate is invalid"},
		{"401", apierrors.NewUnauthorized("token expired"), kube.ReasonUnauthorized, "401 Unauthorized"},
		{"403", apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "istio-system", errors.New("no RBAC")),
			kube.ReasonForbidden, "403 Forbidden"},
		{"deadline", fmt.Errorf("reading server version: %w", context.DeadlineExceeded), kube.ReasonTimeout, "no answer in time"},
		{"net timeout", getErr(timeoutErr{}), kube.ReasonTimeout, "no answer in time"},
		{"client timeout text", errors.New(`Get "https://127.0.0.1:6443/version": net/http: request canceled (Client.Timeout exceeded while awaiting headers)`),
			kube.ReasonTimeout, "Client.Timeout"},
		{"exec plugin, client-go", fmt.Errorf("getting credentials: %w", errors.New("exec: executable foo-auth not found")),
			kube.ReasonExecPlugin, "foo-auth"},
		{"exec plugin, os/exec", errors.New(`exec: "foo-auth": executable file not found in $PATH`), kube.ReasonExecPlugin, "credential plugin"},
		{"canceled", fmt.Errorf("probe: %w", context.Canceled), kube.ReasonCanceled, "canceled"},
		{"anything else", errors.New("the server is on fire"), kube.ReasonUnclassified, "the server is on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, explain, hint := kube.Classify(tt.err)
			if reason != tt.reason {
				t.Errorf("reason = %q, want %q", reason, tt.reason)
			}
			if !strings.Contains(explain, tt.explain) {
				t.Errorf("explanation %q does not contain %q", explain, tt.explain)
			}
			wantHint := tt.reason != kube.ReasonNone && tt.reason != kube.ReasonCanceled && tt.reason != kube.ReasonUnclassified
			if (hint != "") != wantHint {
				t.Errorf("hint = %q, want a hint: %v", hint, wantHint)
			}
		})
	}
}

func TestContextError(t *testing.T) {
	cause := getErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	err := fmt.Errorf("probing: %w", &kube.ContextError{Context: "east", Server: "https://127.0.0.1:6443", Op: "reading server version", Err: cause})

	for _, want := range []string{`context "east"`, "(https://127.0.0.1:6443)", "reading server version", "nothing listens"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	var ce *kube.ContextError
	if !errors.As(err, &ce) {
		t.Fatal("errors.As(*ContextError) failed")
	}
	if ce.Reason() != kube.ReasonRefused || !strings.Contains(ce.Hint(), "cluster is running") {
		t.Errorf("Reason() = %q, Hint() = %q", ce.Reason(), ce.Hint())
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Error("the cause is not reachable through Unwrap")
	}
}

// apiServer is an httptest TLS server on 127.0.0.1 that answers /version.
// It records the last Authorization header.
type apiServer struct {
	*httptest.Server
	caPEM []byte
	auth  atomic.Value // string
}

func newAPIServer(t *testing.T, handler http.HandlerFunc) *apiServer {
	t.Helper()
	s := &apiServer{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.auth.Store(r.Header.Get("Authorization"))
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	s.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	return s
}

func versionHandler(gitVersion string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"major":"1","minor":"34","gitVersion":%q}`, gitVersion)
	}
}

func statusHandler(code int, reason string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":%q,"code":%d}`, reason, code)
	}
}

func TestProbe(t *testing.T) {
	dir := isolate(t)
	live := newAPIServer(t, versionHandler("v1.34.4"))
	denied := newAPIServer(t, statusHandler(http.StatusUnauthorized, "Unauthorized"))
	forbidden := newAPIServer(t, statusHandler(http.StatusForbidden, "Forbidden"))
	path := writeKubeconfig(t, dir, "kubeconfig",
		testContext{name: "live", server: live.URL, ca: live.caPEM},
		testContext{name: "untrusted", server: live.URL},
		testContext{name: "refused", server: testbed.ClosedURL(t)},
		testContext{name: "denied", server: denied.URL, ca: denied.caPEM},
		testContext{name: "forbidden", server: forbidden.URL, ca: forbidden.caPEM},
	)
	l := kube.Loader{Kubeconfig: path}

	t.Run("works", func(t *testing.T) {
		p := l.Probe(t.Context(), "live", 5*time.Second)
		if !p.Reachable() || p.Version != "v1.34.4" || p.Reason != kube.ReasonNone {
			t.Fatalf("probe = %+v, want reachable v1.34.4", p)
		}
		if p.Context != "live" || p.Server != live.URL || p.Took <= 0 || p.Hint() != "" {
			t.Errorf("probe = %+v, want context live, server %s, a duration and no hint", p, live.URL)
		}
		if got := live.auth.Load(); got != "Bearer token-live" {
			t.Errorf("Authorization = %v, want the kubeconfig's token", got)
		}
	})

	for _, tt := range []struct {
		context string
		reason  kube.Reason
		hint    string
	}{
		{"untrusted", kube.ReasonUnknownCA, "certificate-authority-data"},
		{"refused", kube.ReasonRefused, "cluster is running"},
		{"denied", kube.ReasonUnauthorized, "refresh the credentials"},
		{"forbidden", kube.ReasonForbidden, "RBAC"},
	} {
		t.Run(tt.context, func(t *testing.T) {
			p := l.Probe(t.Context(), tt.context, 5*time.Second)
			if p.Reachable() || p.Reason != tt.reason {
				t.Fatalf("probe = %+v (err %v), want reason %q", p, p.Err, tt.reason)
			}
			if !strings.Contains(p.Hint(), tt.hint) {
				t.Errorf("hint %q does not contain %q", p.Hint(), tt.hint)
			}
			if !strings.Contains(p.Err.Error(), `context "`+tt.context+`"`) {
				t.Errorf("error %q does not name the context", p.Err)
			}
		})
	}
}

func TestProbeTimeout(t *testing.T) {
	dir := isolate(t)
	hang := newAPIServer(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	path := writeKubeconfig(t, dir, "kubeconfig", testContext{name: "slow", server: hang.URL, ca: hang.caPEM})

	p := kube.Loader{Kubeconfig: path}.Probe(t.Context(), "slow", 200*time.Millisecond)
	if p.Reason != kube.ReasonTimeout {
		t.Fatalf("probe = %+v (err %v), want reason %q", p, p.Err, kube.ReasonTimeout)
	}
	if p.Took > 5*time.Second {
		t.Errorf("probe took %s, want about the 200ms timeout", p.Took)
	}
}

func TestProbeUnknownContext(t *testing.T) {
	dir := isolate(t)
	path := writeKubeconfig(t, dir, "kubeconfig", testContext{name: "only", server: testbed.ClosedURL(t)})

	p := kube.Loader{Kubeconfig: path}.Probe(t.Context(), "missing", time.Second)
	if p.Reason != kube.ReasonInvalidConfig || !strings.Contains(p.Err.Error(), "available: only") {
		t.Fatalf("probe = %+v (err %v), want invalid-config listing the available contexts", p, p.Err)
	}
}
