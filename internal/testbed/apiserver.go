package testbed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// apiserverReadyTimeout bounds the wait for /readyz. Three apiservers on two
// cores are ready after 1-3 s; the margin covers a loaded machine.
const apiserverReadyTimeout = 90 * time.Second

// webhookPlugins are disabled unless ClusterSpec.KeepWebhooks.
var webhookPlugins = []string{"MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"}

// admissionAPIPlugins must also be off when admissionregistration.k8s.io/v1 is
// not served: they wait for informers of that group forever (notes §12).
var admissionAPIPlugins = []string{"MutatingAdmissionWebhook", "ValidatingAdmissionWebhook",
	"ValidatingAdmissionPolicy", "MutatingAdmissionPolicy"}

// apiserverArgs returns the kube-apiserver command line for c on port.
func apiserverArgs(c *Cluster, etcdURL string, port int) []string {
	p := c.pki
	args := []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--etcd-servers=" + etcdURL,
		"--etcd-prefix=/meshwiz-testbed/" + c.Name,
		"--service-cluster-ip-range=" + c.ServiceCIDR,
		"--tls-cert-file=" + p.servingCert,
		"--tls-private-key-file=" + p.servKey,
		"--client-ca-file=" + p.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPub,
		"--service-account-signing-key-file=" + p.saKey,
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + filepath.Join(c.dir, "certs"),
		"--profiling=false",
	}
	if p.tokenFile != "" {
		args = append(args, "--token-auth-file="+p.tokenFile)
	}
	var disabled []string
	if !c.spec.KeepWebhooks {
		disabled = append(disabled, webhookPlugins...)
	}
	if runtimeConfigDisablesAdmission(c.spec.APIServerFlags) {
		disabled = append(disabled, admissionAPIPlugins...)
	}
	var extra []string
	for _, f := range c.spec.APIServerFlags {
		if v, ok := strings.CutPrefix(f, "--disable-admission-plugins="); ok {
			for _, name := range strings.Split(v, ",") {
				if name = strings.TrimSpace(name); name != "" {
					disabled = append(disabled, name)
				}
			}
			continue
		}
		extra = append(extra, f)
	}
	if len(disabled) > 0 {
		seen := map[string]bool{}
		var uniq []string
		for _, d := range disabled {
			if !seen[d] {
				seen[d] = true
				uniq = append(uniq, d)
			}
		}
		args = append(args, "--disable-admission-plugins="+strings.Join(uniq, ","))
	}
	return append(args, extra...)
}

// disabledPlugins returns the plugins an argument list disables (for tests
// and progress output).
func disabledPlugins(args []string) []string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--disable-admission-plugins="); ok {
			list := strings.Split(v, ",")
			slices.Sort(list)
			return list
		}
	}
	return nil
}

// startAPIServer starts c's kube-apiserver on a free port and waits for
// /readyz, starting again on another port if the first was taken.
func (b *Bed) startAPIServer(ctx context.Context, c *Cluster, etcdURL string) error {
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		c.port = ports[0]
		c.Server = "https://127.0.0.1:" + strconv.Itoa(c.port)
		p, err := b.procs.start(c.Name, "kube-apiserver", filepath.Join(b.binDir, "kube-apiserver"),
			apiserverArgs(c, etcdURL, c.port))
		if err != nil {
			return err
		}
		c.apiserver = p
		start := time.Now()
		err = waitHTTP(ctx, p, c.httpClient(), c.Server+"/readyz", apiserverReadyTimeout, nil)
		if err != nil && addrInUse(p) && attempt < portAttempts {
			p.portLost = true
			b.logf("[%s] kube-apiserver: port %d taken, retrying", c.Name, c.port)
			continue
		}
		if err != nil {
			return err
		}
		c.readyAt = time.Now()
		b.logf("[%s] kube-apiserver ready on %s in %.1fs", c.Name, c.Server, time.Since(start).Seconds())
		return nil
	}
}

// httpClient is a raw HTTPS client with the admin certificate, for /readyz.
func (c *Cluster) httpClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.pki.caPEM)
	cert, err := tls.X509KeyPair(c.pki.adminCertPEM, c.pki.adminKeyPEM)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if err == nil {
		cfg.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{
		Timeout:   3 * time.Second,
		Transport: &http.Transport{Proxy: nil, TLSClientConfig: cfg, DisableKeepAlives: true},
	}
}

// checkStillServing verifies, at least settle after the apiserver first
// became ready, that it is alive and still ready. kube-apiserver 1.34 with
// admissionregistration.k8s.io/v1 off can pass /readyz and die seconds later.
func (c *Cluster) checkStillServing(ctx context.Context, settle time.Duration) error {
	if wait := time.Until(c.readyAt.Add(settle)); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("testbed: cluster %q: %w", c.Name, ctx.Err())
		}
	}
	if c.apiserver.exited() {
		return c.apiserver.exitError()
	}
	return waitHTTP(ctx, c.apiserver, c.httpClient(), c.Server+"/readyz", 10*time.Second, nil)
}
