package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// maxExecOutput caps what an exec credential plugin may print: an
// ExecCredential is a few kilobytes.
const maxExecOutput = 1 << 20

// ExecError is a kubeconfig exec credential plugin that could not give
// credentials: missing, failed, too slow or stopped. It names the plugin and
// the kubeconfig user entry that runs it.
type ExecError struct {
	User     string        // the kubeconfig users[] entry
	Command  string        // users[].user.exec.command
	NotFound bool          // the command does not exist or cannot run
	ExitCode int           // the plugin's exit code, when it exited
	Waited   time.Duration // how long meshwiz waited before giving up
	Timeout  bool          // the plugin did not answer within Waited
	Canceled bool          // the run was interrupted (Ctrl-C)
	Err      error
}

func (e *ExecError) Error() string {
	switch {
	case e.Timeout:
		return fmt.Sprintf("the exec plugin %s did not answer within %s (it was stopped)", e.Command, e.Waited.Round(100*time.Millisecond))
	case e.Canceled:
		return fmt.Sprintf("the exec plugin %s was stopped: interrupted", e.Command)
	case e.NotFound:
		return fmt.Sprintf("the exec plugin %s cannot run: %v", e.Command, e.Err)
	case e.ExitCode != 0:
		return fmt.Sprintf("the exec plugin %s failed with exit code %d", e.Command, e.ExitCode)
	}
	return fmt.Sprintf("the exec plugin %s gave no usable credentials: %v", e.Command, e.Err)
}

// Unwrap returns the cause.
func (e *ExecError) Unwrap() error { return e.Err }

func (e *ExecError) reason() Reason {
	switch {
	case e.Timeout:
		return ReasonExecTimeout
	case e.Canceled:
		return ReasonCanceled
	case e.NotFound:
		return ReasonExecPlugin
	}
	return ReasonExecFailed
}

func (e *ExecError) hint() string {
	entry := fmt.Sprintf("users[%s].user.exec", e.User)
	switch {
	case e.Timeout:
		return fmt.Sprintf("the credential plugin in %s may be waiting for a login (a browser, a device code): log in with it by hand first, or raise --timeout", entry)
	case e.Canceled:
		return ""
	case e.NotFound:
		return fmt.Sprintf("install the credential plugin %s names (e.g. gke-gcloud-auth-plugin, aws, kubelogin), put it on PATH, or fix the path in %s.command", entry, entry)
	}
	return fmt.Sprintf("run the command in %s by hand to see why it fails (expired login? wrong profile in its args or env?)", entry)
}

// execPlugin runs one kubeconfig user's exec credential plugin the way
// client-go does (the ExecCredential protocol), but bounded by the request's
// context: a plugin that hangs is killed (with its process group) when the
// probe's timeout passes or on Ctrl-C, instead of holding meshwiz. Credentials
// are kept until they expire or the server answers 401.
type execPlugin struct {
	user    string
	cfg     *clientcmdapi.ExecConfig
	cluster []byte // the ExecCredential spec.cluster, when provideClusterInfo
	lock    chan struct{}
	token   string
	exp     time.Time
}

var execPlugins = struct {
	sync.Mutex
	m map[string]*execPlugin
}{m: map[string]*execPlugin{}}

// sharedExecPlugin returns the one runner per plugin configuration, so that
// 500 contexts of one user run their plugin once, as client-go does.
func sharedExecPlugin(user string, cfg *clientcmdapi.ExecConfig, cluster []byte) *execPlugin {
	key, _ := json.Marshal([]any{user, cfg, cluster})
	execPlugins.Lock()
	defer execPlugins.Unlock()
	if p, ok := execPlugins.m[string(key)]; ok {
		return p
	}
	p := &execPlugin{user: user, cfg: cfg, cluster: cluster, lock: make(chan struct{}, 1)}
	execPlugins.m[string(key)] = p
	return p
}

// useExecPlugin replaces client-go's exec authenticator in cfg with one that
// is bounded by each request's context. Like client-go, it does nothing
// when the kubeconfig also gives a token, a password or a client certificate.
func useExecPlugin(cfg *rest.Config, user string) error {
	ec := cfg.ExecProvider
	if ec == nil {
		return nil
	}
	cfg.ExecProvider = nil
	if cfg.BearerToken != "" || cfg.BearerTokenFile != "" || cfg.Username != "" || len(cfg.CertData) > 0 || cfg.CertFile != "" {
		return nil
	}
	var cluster []byte
	if ec.ProvideClusterInfo {
		cfg.ExecProvider = ec
		c, err := rest.ConfigToExecCluster(cfg)
		cfg.ExecProvider = nil
		if err != nil {
			return err
		}
		if cluster, err = json.Marshal(c); err != nil {
			return err
		}
	}
	p := sharedExecPlugin(user, ec, cluster)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &execRoundTripper{p: p, next: rt} })
	return nil
}

type execRoundTripper struct {
	p    *execPlugin
	next http.RoundTripper
}

// WrappedRoundTripper lets client-go reach the transport underneath.
func (t *execRoundTripper) WrappedRoundTripper() http.RoundTripper { return t.next }

func (t *execRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		return t.next.RoundTrip(req)
	}
	tok, err := t.p.get(req.Context(), "")
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	res, err := t.next.RoundTrip(r)
	if err == nil && res.StatusCode == http.StatusUnauthorized {
		_, _ = t.p.get(req.Context(), tok) // rotate for the next request
	}
	return res, err
}

// get returns a valid token, running the plugin when there is none, it
// expired, or it is stale (the server refused it).
func (p *execPlugin) get(ctx context.Context, stale string) (string, error) {
	select {
	case p.lock <- struct{}{}:
	case <-ctx.Done():
		return "", p.stopped(ctx, 0, ctx.Err())
	}
	defer func() { <-p.lock }()
	if p.token != "" && p.token != stale && (p.exp.IsZero() || time.Now().Before(p.exp)) {
		return p.token, nil
	}
	tok, exp, err := p.run(ctx)
	if err != nil {
		return "", err
	}
	p.token, p.exp = tok, exp
	return tok, nil
}

func (p *execPlugin) stopped(ctx context.Context, waited time.Duration, err error) *ExecError {
	e := &ExecError{User: p.user, Command: p.cfg.Command, Waited: waited, Err: err}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e.Timeout = true
	} else {
		e.Canceled = true
	}
	return e
}

// execCredential is the part of client.authentication.k8s.io's
// ExecCredential that meshwiz reads and writes.
type execCredential struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Interactive bool            `json:"interactive"`
		Cluster     json.RawMessage `json:"cluster,omitempty"`
	} `json:"spec"`
	Status *struct {
		Token                 string     `json:"token"`
		ClientCertificateData string     `json:"clientCertificateData"`
		ExpirationTimestamp   *time.Time `json:"expirationTimestamp"`
	} `json:"status,omitempty"`
}

// run starts the plugin in its own process group and kills the group when
// ctx ends. Its stdout is capped; its stderr is discarded (it may hold a
// token), so that the wizard's screen and JSON output stay intact.
func (p *execPlugin) run(ctx context.Context) (string, time.Time, error) {
	in := execCredential{APIVersion: p.cfg.APIVersion, Kind: "ExecCredential"}
	in.Spec.Cluster = p.cluster
	info, err := json.Marshal(in)
	if err != nil {
		return "", time.Time{}, err
	}
	cmd := exec.CommandContext(ctx, p.cfg.Command, p.cfg.Args...)
	cmd.Env = append(os.Environ(), "KUBERNETES_EXEC_INFO="+string(info))
	for _, e := range p.cfg.Env {
		cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
	}
	out := &cappedBuffer{max: maxExecOutput}
	cmd.Stdout = out
	ownProcessGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err = cmd.Run()
	if ctx.Err() != nil {
		waited := time.Since(start)
		if dl, ok := ctx.Deadline(); ok {
			waited = dl.Sub(start)
		}
		return "", time.Time{}, p.stopped(ctx, waited, ctx.Err())
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return "", time.Time{}, &ExecError{User: p.user, Command: p.cfg.Command, ExitCode: ee.ExitCode(), Err: err}
	case err != nil:
		return "", time.Time{}, &ExecError{User: p.user, Command: p.cfg.Command, NotFound: true, Err: err}
	case out.over:
		return "", time.Time{}, p.bad("it printed more than %d bytes", maxExecOutput)
	}
	var cred execCredential
	if err := json.Unmarshal(out.Bytes(), &cred); err != nil {
		return "", time.Time{}, p.bad("its output is not an ExecCredential: %v", err)
	}
	switch {
	case cred.APIVersion != p.cfg.APIVersion:
		return "", time.Time{}, p.bad("it answered apiVersion %q, the kubeconfig asks for %q", cred.APIVersion, p.cfg.APIVersion)
	case cred.Status == nil || (cred.Status.Token == "" && cred.Status.ClientCertificateData == ""):
		return "", time.Time{}, p.bad("it returned no token")
	case cred.Status.Token == "":
		return "", time.Time{}, p.bad("it returned a client certificate; meshwiz supports plugins that return a token")
	}
	var exp time.Time
	if cred.Status.ExpirationTimestamp != nil {
		exp = *cred.Status.ExpirationTimestamp
	}
	return cred.Status.Token, exp, nil
}

func (p *execPlugin) bad(format string, args ...any) *ExecError {
	return &ExecError{User: p.user, Command: p.cfg.Command, Err: fmt.Errorf(format, args...)}
}

// cappedBuffer keeps the first max bytes written to it and notes the rest.
type cappedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
