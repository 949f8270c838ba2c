package testbed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// IstiodBinEnv names the environment variable that points at a ready
// pilot-discovery binary; when set, IstiodBinary does not run build-istiod.sh.
const IstiodBinEnv = "MESHWIZ_ISTIOD_BIN"

// istiodReadyTimeout bounds the wait for /ready (about 6 s on a loaded machine).
const istiodReadyTimeout = 3 * time.Minute

// istiodTokenTTL is the lifetime asked for istiod's ServiceAccount token.
const istiodTokenTTL = 48 * time.Hour

var istiodBin = builtOnce{env: IstiodBinEnv, script: "build-istiod.sh", check: checkIstiodBinary}

// IstiodBinary returns the path of the real istiod (pilot-discovery) built
// from the istio.io/istio version in meshwiz's go.mod: $MESHWIZ_ISTIOD_BIN if
// set, otherwise the result of <repo root>/hack/testbed/build-istiod.sh (a
// cached build; a cold one took 28 minutes on a shared 2-core machine). The result is
// remembered for the process.
func IstiodBinary() (string, error) { return istiodBin.get() }

// checkIstiodBinary vets an istiod binary and resolves its path: the pids
// file records resolved paths (see RunningPIDs).
func checkIstiodBinary(path string) (string, error) {
	if st, err := os.Stat(path); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable pilot-discovery", path)
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, nil
}

// IstiodOptions configures StartIstiod. Zero values get defaults.
type IstiodOptions struct {
	// ClusterID is istiod's CLUSTER_ID, the mesh's name for the cluster. Default:
	// the CLUSTER_ID of the istiod Deployment in Namespace (what the chart
	// was given), else the cluster's name.
	ClusterID string
	// Namespace is istiod's namespace (default istio-system).
	Namespace string
	// ServiceAccount is istiod's ServiceAccount (default istiod); istiod reads
	// its own cluster with a TokenRequest token for it, so missing RBAC shows.
	ServiceAccount string
	// AdminCredentials makes istiod read its own cluster as the bed's admin
	// instead (no ServiceAccount needed).
	AdminCredentials bool
	// Binary is pilot-discovery's path (default: IstiodBinary()).
	Binary string
	// Env adds or overrides environment variables ("NAME=value"), e.g.
	// PILOT_REMOTE_CLUSTER_TIMEOUT=5s.
	Env []string
}

// Istiod is a real istiod (pilot-discovery) running as a plain process
// against one cluster of a bed, every listener on 127.0.0.1.
type Istiod struct {
	// Cluster is the bed cluster's name; ClusterID is istiod's CLUSTER_ID.
	Cluster, ClusterID string
	// HTTPAddr serves /ready and /debug/*; GRPCAddr is the plaintext xDS
	// address; MonitoringAddr serves /metrics. All are 127.0.0.1:<port>.
	HTTPAddr, GRPCAddr, MonitoringAddr string
	// Dir is istiod's own working directory; LogPath its log.
	Dir, LogPath string

	proc *process
}

// PID returns istiod's process ID.
func (i *Istiod) PID() int { return i.proc.pid() }

// Exited reports whether the process has ended.
func (i *Istiod) Exited() bool { return i.proc.exited() }

// Stop ends istiod by PID (SIGTERM, then SIGKILL) and waits for it.
func (i *Istiod) Stop() error { return stopProcesses([]*process{i.proc}) }

// Get fetches a page of istiod's HTTP (debug) address, e.g. "/debug/clusterz".
func (i *Istiod) Get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+i.HTTPAddr+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := loopbackClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("istiod of %s: %w", i.Cluster, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("istiod of %s: GET %s: HTTP %d: %.200s", i.Cluster, path, resp.StatusCode, body)
	}
	return body, err
}

var loopbackClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}

// StartIstiod starts a real istiod for the named cluster, the way it runs in
// the cluster but as a local process: its own empty working directory (so it
// reads the cluster's istio and istio-sidecar-injector ConfigMaps), a
// one-context kubeconfig with a token of istiod's ServiceAccount, CLUSTER_ID
// = the mesh's cluster name, the cluster's cacerts as its CA
// (USE_REMOTE_CERTS), no webhook patching, every listener on a free
// 127.0.0.1 port. It returns once /ready answers 200. Bed.Stop stops it too;
// in test mode it dies with the test binary (Pdeathsig).
func (b *Bed) StartIstiod(ctx context.Context, cluster string, opts IstiodOptions) (*Istiod, error) {
	c := b.Cluster(cluster)
	if c == nil {
		return nil, fmt.Errorf("testbed: StartIstiod: no cluster %q in this bed", cluster)
	}
	if opts.Namespace == "" {
		opts.Namespace = "istio-system"
	}
	if opts.ServiceAccount == "" {
		opts.ServiceAccount = "istiod"
	}
	if opts.Binary == "" {
		var err error
		if opts.Binary, err = IstiodBinary(); err != nil {
			return nil, err
		}
	}
	if opts.ClusterID == "" {
		opts.ClusterID = deployedClusterID(ctx, c, opts.Namespace)
	}
	dir, err := os.MkdirTemp(b.Dir, "istiod-"+c.Name+"-")
	if err != nil {
		return nil, c.errorf("istiod work dir: %w", err)
	}
	kubeconfig, err := istiodKubeconfig(ctx, c, dir, opts)
	if err != nil {
		return nil, c.errorf("istiod credentials: %w", err)
	}
	for attempt := 1; ; attempt++ {
		ist, err := b.startIstiodOnce(ctx, c, dir, kubeconfig, opts)
		if err != nil && ist != nil && addrInUse(ist.proc) && attempt < portAttempts {
			continue
		}
		if err != nil && ist != nil {
			_ = ist.Stop()
		}
		return ist, err
	}
}

func (b *Bed) startIstiodOnce(ctx context.Context, c *Cluster, dir, kubeconfig string, opts IstiodOptions) (*Istiod, error) {
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	addr := func(i int) string { return "127.0.0.1:" + strconv.Itoa(ports[i]) }
	ist := &Istiod{Cluster: c.Name, ClusterID: opts.ClusterID, HTTPAddr: addr(0), GRPCAddr: addr(1), MonitoringAddr: addr(2), Dir: dir}
	args := []string{"discovery", "--kubeconfig=" + kubeconfig, "--clusterID=" + opts.ClusterID, "--domain=cluster.local",
		"--httpAddr=" + ist.HTTPAddr, "--grpcAddr=" + ist.GRPCAddr, "--monitoringAddr=" + ist.MonitoringAddr,
		"--httpsAddr=" + addr(3), "--secureGRPCAddr=" + addr(4),
		"--ctrlz_address=127.0.0.1", "--ctrlz_port=" + strconv.Itoa(ports[5])}
	p, err := b.procs.startIn(c.Name, "istiod", opts.Binary, args, dir, istiodEnv(dir, kubeconfig, opts))
	if err != nil {
		return nil, err
	}
	ist.proc, ist.LogPath = p, p.logPath
	start := time.Now()
	if err := waitHTTP(ctx, p, loopbackClient, "http://"+ist.HTTPAddr+"/ready", istiodReadyTimeout, nil); err != nil {
		return ist, err
	}
	b.logf("[%s] istiod (CLUSTER_ID %s) ready on %s in %.1fs", c.Name, opts.ClusterID, ist.HTTPAddr, time.Since(start).Seconds())
	return ist, nil
}

// istiodEnv is istiod's whole environment: nothing inherited but PATH (and
// the bed's GOMAXPROCS).
func istiodEnv(dir, kubeconfig string, opts IstiodOptions) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"POD_NAME=istiod-testbed", "POD_NAMESPACE=" + opts.Namespace, "REVISION=default",
		"CLUSTER_ID=" + opts.ClusterID, "KUBECONFIG=" + kubeconfig,
		"PILOT_CERT_PROVIDER=istiod", "USE_REMOTE_CERTS=true", "ROOT_CA_DIR=" + filepath.Join(dir, "cacerts"),
		// Empty names: istiod must not patch the webhooks' caBundle.
		"INJECTION_WEBHOOK_CONFIG_NAME=", "VALIDATION_WEBHOOK_CONFIG_NAME=",
		"PILOT_ENABLE_ANALYSIS=false", gomaxprocs(),
	}
	return mergeEnv(env, opts.Env)
}

// mergeEnv returns base with extra's variables added or replaced.
func mergeEnv(base, extra []string) []string {
	out := append([]string(nil), base...)
	for _, kv := range extra {
		name, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, old := range out {
			if strings.HasPrefix(old, name+"=") {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// deployedClusterID reads CLUSTER_ID from the istiod Deployment's container,
// falling back to the cluster's name.
func deployedClusterID(ctx context.Context, c *Cluster, ns string) string {
	d, err := c.cs.AppsV1().Deployments(ns).Get(ctx, "istiod", metav1.GetOptions{})
	if err == nil {
		for _, ctr := range d.Spec.Template.Spec.Containers {
			for _, e := range ctr.Env {
				if e.Name == "CLUSTER_ID" && e.Value != "" {
					return e.Value
				}
			}
		}
	}
	return c.Name
}

// istiodKubeconfig writes istiod's one-context kubeconfig into dir: the
// apiserver's real address and CA, and a TokenRequest token for istiod's
// ServiceAccount (or the admin certificate with AdminCredentials).
func istiodKubeconfig(ctx context.Context, c *Cluster, dir string, opts IstiodOptions) (string, error) {
	user := &clientcmdapi.AuthInfo{ClientCertificateData: c.pki.adminCertPEM, ClientKeyData: c.pki.adminKeyPEM}
	if !opts.AdminCredentials {
		ttl := int64(istiodTokenTTL.Seconds())
		tr, err := c.cs.CoreV1().ServiceAccounts(opts.Namespace).CreateToken(ctx, opts.ServiceAccount,
			&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &ttl}}, metav1.CreateOptions{})
		if apierrors.IsNotFound(err) {
			return "", fmt.Errorf("ServiceAccount %s/%s not found: install istiod first (meshwiz setup), or set AdminCredentials", opts.Namespace, opts.ServiceAccount)
		}
		if err != nil {
			return "", fmt.Errorf("token for ServiceAccount %s/%s: %w", opts.Namespace, opts.ServiceAccount, err)
		}
		user = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[c.Name] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: c.pki.caPEM}
	cfg.AuthInfos["istiod"] = user
	cfg.Contexts[c.Name] = &clientcmdapi.Context{Cluster: c.Name, AuthInfo: "istiod"}
	cfg.CurrentContext = c.Name
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", err
	}
	return path, os.Chmod(path, 0o600)
}

// IstiodForTest starts istiod with StartIstiod on the bed and stops it when
// the test ends; on failure the test fails with the reason (and the log tail).
func IstiodForTest(t testing.TB, b *Bed, cluster string, opts IstiodOptions) *Istiod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), istiodReadyTimeout+time.Minute)
	defer cancel()
	ist, err := b.StartIstiod(ctx, cluster, opts)
	if err != nil {
		t.Fatalf("starting istiod for %s: %v", cluster, err)
	}
	t.Cleanup(func() {
		if err := ist.Stop(); err != nil {
			t.Errorf("stopping istiod of %s: %v", cluster, err)
		}
	})
	return ist
}
