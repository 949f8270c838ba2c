package kube

// Integration tests: client bundles, probes, error classification and Helm
// against the test bed's real kube-apiservers (two loopback clusters, the
// first with a restricted user). The unit tests of this package run in the
// same binary, next to the bed.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// bedVersion is the Kubernetes version hack/testbed/build.sh builds.
const bedVersion = "v1.34.4"

// "beta" has two nodes so that a client talking to the wrong cluster shows
// up in the node count as well as in the node names.
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Options{Clusters: []testbed.ClusterSpec{
		{Name: "alpha", RestrictedUser: true},
		{Name: "beta", Nodes: 2},
	}})
}

// within returns a context bounded by d and cancelled at the end of the test.
func within(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return c
}

// mustClient builds the bundle for contextName with l, failing the test on error.
func mustClient(t *testing.T, l Loader, contextName string) *Client {
	t.Helper()
	c, err := l.NewClient(contextName)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", contextName, err)
	}
	return c
}

// checkSameCluster asserts that c is the bundle of the bed cluster bc: its
// context and server, and the nodes it lists are exactly that cluster's.
func checkSameCluster(t *testing.T, c *Client, bc *testbed.Cluster) {
	t.Helper()
	if c.Context != bc.Context {
		t.Errorf("Client.Context %q, want %q", c.Context, bc.Context)
	}
	if c.Server != bc.Server {
		t.Errorf("context %s: Client.Server %q, want the cluster's %q", bc.Context, c.Server, bc.Server)
	}
	nodes, err := c.Kube.CoreV1().Nodes().List(within(t, 20*time.Second), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("context %s: listing nodes: %v", bc.Context, err)
	}
	var got, want []string
	for _, n := range nodes.Items {
		got = append(got, n.Name)
	}
	for k := range bc.Nodes {
		want = append(want, testbed.NodeName(bc.Name, k))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("context %s: nodes %v, want %v", bc.Context, got, want)
	}
}

func TestClientFromKubeconfigFileReachesItsCluster(t *testing.T) {
	b := testbed.MustShared(t)
	l := Loader{Kubeconfig: b.Kubeconfig}
	for _, bc := range b.Clusters {
		checkSameCluster(t, mustClient(t, l, bc.Context), bc)
	}
}

// A second kubeconfig in $KUBECONFIG redefines "alpha" (on a decoy cluster
// at a loopback port nobody listens on) and sets its own current context:
// the bed's file comes first, so its definitions must win.
func TestClientFromMergedKUBECONFIGReachesItsCluster(t *testing.T) {
	b := testbed.MustShared(t)
	decoy := clientcmdapi.NewConfig()
	decoy.Clusters["decoy"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:9"}
	decoy.AuthInfos["decoy"] = &clientcmdapi.AuthInfo{Token: "not-a-token"}
	for _, name := range []string{"alpha", "gamma"} {
		decoy.Contexts[name] = &clientcmdapi.Context{Cluster: "decoy", AuthInfo: "decoy"}
	}
	decoy.CurrentContext = "gamma"
	second := filepath.Join(t.TempDir(), "second")
	if err := clientcmd.WriteToFile(*decoy, second); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBECONFIG", b.Kubeconfig+string(os.PathListSeparator)+second)

	l := Loader{}
	all, err := l.Contexts()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range all {
		names = append(names, c.Name)
	}
	if want := []string{"alpha", "alpha-restricted", "beta", "gamma"}; !slices.Equal(names, want) {
		t.Errorf("merged contexts %v, want %v", names, want)
	}
	cur, err := l.Context("")
	if err != nil {
		t.Fatal(err)
	}
	if cur.Name != "alpha" {
		t.Errorf("current context %q, want the first file's alpha", cur.Name)
	}
	for _, bc := range b.Clusters {
		checkSameCluster(t, mustClient(t, l, bc.Context), bc)
	}
	if g := mustClient(t, l, "gamma"); g.Server != "https://127.0.0.1:9" {
		t.Errorf("gamma (second file only): Server %q, want https://127.0.0.1:9", g.Server)
	}
}

func TestProbeReportsServerVersion(t *testing.T) {
	b := testbed.MustShared(t)
	l := Loader{Kubeconfig: b.Kubeconfig}
	alpha := b.Cluster("alpha")
	probes := map[string]string{alpha.RestrictedContext: alpha.Server} // context → server
	for _, bc := range b.Clusters {
		probes[bc.Context] = bc.Server
	}
	for name, server := range probes {
		p := l.Probe(within(t, 30*time.Second), name, 20*time.Second)
		if !p.Reachable() || p.Err != nil {
			t.Errorf("Probe(%s): not reachable: %v (reason %q)", name, p.Err, p.Reason)
			continue
		}
		if p.Version != bedVersion {
			t.Errorf("Probe(%s).Version %q, want %s", name, p.Version, bedVersion)
		}
		if p.Context != name || p.Server != server {
			t.Errorf("Probe(%s): context %q server %q, want %q %q", name, p.Context, p.Server, name, server)
		}
		if p.Reason != ReasonNone || p.Took <= 0 {
			t.Errorf("Probe(%s): reason %q took %v, want no reason and a positive duration", name, p.Reason, p.Took)
		}
	}
}

func TestRestrictedContextIsClassifiedForbidden(t *testing.T) {
	b := testbed.MustShared(t)
	alpha := b.Cluster("alpha")
	c := mustClient(t, Loader{Kubeconfig: b.Kubeconfig}, alpha.RestrictedContext)
	if c.Server != alpha.Server {
		t.Errorf("restricted Server %q, want alpha's %q", c.Server, alpha.Server)
	}
	ctx := within(t, 20*time.Second)
	// What the user may do works, so a 403 below is RBAC, not a broken client.
	if _, err := c.Kube.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("restricted user listing pods in default: %v", err)
	}
	_, err := c.Kube.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "restricted-"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("restricted user creating a namespace: err = %v, want 403 Forbidden", err)
	}
	reason, explanation, hint := Classify(err)
	if reason != ReasonForbidden {
		t.Errorf("Classify: reason %q, want %q (err: %v)", reason, ReasonForbidden, err)
	}
	if !strings.Contains(explanation, "403") || hint == "" {
		t.Errorf("Classify: explanation %q hint %q, want a 403 explanation and a hint", explanation, hint)
	}
	ce := &ContextError{Context: c.Context, Server: c.Server, Op: "creating namespace", Err: err}
	if ce.Reason() != ReasonForbidden || !strings.Contains(ce.Error(), `"alpha-restricted"`) {
		t.Errorf("ContextError: reason %q message %q, want forbidden naming the context", ce.Reason(), ce.Error())
	}
}

// Helm's storage for istio-system on a fresh cluster is empty, and listing
// it goes through the bundle's own transport (so Requests sees it).
func TestHelmListOnFreshClusterIsEmpty(t *testing.T) {
	b := testbed.MustShared(t)
	l := Loader{Kubeconfig: b.Kubeconfig}
	for _, bc := range b.Clusters {
		c := mustClient(t, l, bc.Context)
		cfg, err := c.Helm("istio-system", t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		before := c.Requests()
		rels, err := action.NewList(cfg).Run()
		if err != nil {
			t.Fatalf("context %s: helm list: %v", bc.Context, err)
		}
		if len(rels) != 0 {
			t.Errorf("context %s: helm list found %d release(s), want none", bc.Context, len(rels))
		}
		if c.Requests() <= before {
			t.Errorf("context %s: Requests() stayed at %d across a helm list: Helm bypasses the bundle's transport", bc.Context, before)
		}
	}
}

// tinyChart is a chart with one ConfigMap whose data comes from a value.
func tinyChart() *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "tiny", Version: "0.1.0", Type: "application"},
		Values:   map[string]any{"greeting": "hello"},
		Templates: []*chart.File{{Name: "templates/configmap.yaml", Data: []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
`)}},
	}
}

// helmSecrets lists the release Secrets Helm's secret driver keeps for name.
func helmSecrets(t *testing.T, cs kubernetes.Interface, namespace, name string) []corev1.Secret {
	t.Helper()
	list, err := cs.CoreV1().Secrets(namespace).List(within(t, 10*time.Second), metav1.ListOptions{LabelSelector: "owner=helm,name=" + name})
	if err != nil {
		t.Fatalf("listing Helm release secrets in %s: %v", namespace, err)
	}
	return list.Items
}

// The install goes to beta, which is not the kubeconfig's current context:
// the release and its ConfigMap must land there (seen through the bed's own
// admin clientset) and nowhere else.
func TestHelmInstallAndUninstallInItsCluster(t *testing.T) {
	b := testbed.MustShared(t)
	beta, alpha := b.Cluster("beta"), b.Cluster("alpha")
	admin := beta.Clientset()
	ctx := within(t, 2*time.Minute)
	nsObj, err := admin.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "helm-install-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns := nsObj.Name
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = admin.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	})

	c := mustClient(t, Loader{Kubeconfig: b.Kubeconfig}, beta.Context)
	cfg, err := c.Helm(ns, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	install := action.NewInstall(cfg)
	install.ReleaseName = "tiny"
	install.Namespace = ns
	install.Timeout = time.Minute
	rel, err := install.RunWithContext(ctx, tinyChart(), map[string]any{"greeting": "from the test"})
	if err != nil {
		t.Fatalf("helm install: %v", err)
	}
	if rel.Info.Status != release.StatusDeployed || rel.Namespace != ns {
		t.Errorf("installed release: status %q namespace %q, want deployed in %s", rel.Info.Status, rel.Namespace, ns)
	}

	cm, err := admin.CoreV1().ConfigMaps(ns).Get(ctx, "tiny-config", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("ConfigMap from the chart in beta: %v", err)
	}
	if got := cm.Data["greeting"]; got != "from the test" {
		t.Errorf("ConfigMap greeting %q, want the install's value %q", got, "from the test")
	}
	if n := len(helmSecrets(t, admin, ns, "tiny")); n != 1 {
		t.Errorf("beta has %d release secret(s) for tiny in %s, want 1", n, ns)
	}
	if n := len(helmSecrets(t, alpha.Clientset(), ns, "tiny")); n != 0 {
		t.Errorf("alpha has %d release secret(s) for tiny: the install went to the wrong cluster", n)
	}
	rels, err := action.NewList(cfg).Run()
	if err != nil {
		t.Fatalf("helm list: %v", err)
	}
	if len(rels) != 1 || rels[0].Name != "tiny" || rels[0].Namespace != ns {
		var got []string
		for _, r := range rels {
			got = append(got, r.Namespace+"/"+r.Name)
		}
		t.Errorf("helm list %v, want [%s/tiny]", got, ns)
	}

	if _, err := action.NewUninstall(cfg).Run("tiny"); err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
	if _, err := admin.CoreV1().ConfigMaps(ns).Get(ctx, "tiny-config", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap after uninstall: err = %v, want NotFound", err)
	}
	if n := len(helmSecrets(t, admin, ns, "tiny")); n != 0 {
		t.Errorf("%d release secret(s) left after uninstall", n)
	}
	if rels, err := action.NewList(cfg).Run(); err != nil || len(rels) != 0 {
		t.Errorf("helm list after uninstall: %d release(s), err %v; want none", len(rels), err)
	}
}

func TestRequestsCountsEachBundlesRequests(t *testing.T) {
	b := testbed.MustShared(t)
	l := Loader{Kubeconfig: b.Kubeconfig}
	a, other := mustClient(t, l, "alpha"), mustClient(t, l, "beta")
	if a.Requests() != 0 {
		t.Errorf("a new bundle has Requests() %d, want 0 (NewClient must not contact the cluster)", a.Requests())
	}
	ctx := within(t, 20*time.Second)
	otherBefore := other.Requests()
	if _, err := a.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := a.Requests(); got != 1 {
		t.Errorf("after one list: Requests() %d, want 1", got)
	}
	if _, err := a.ServerVersion(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := a.Requests(); got != 2 {
		t.Errorf("after a list and a version: Requests() %d, want 2", got)
	}
	if _, err := a.Discovery.ServerGroups(); err != nil {
		t.Fatal(err)
	}
	if got := a.Requests(); got <= 2 {
		t.Errorf("after discovery: Requests() %d, want more than 2", got)
	}
	if got := other.Requests(); got != otherBefore {
		t.Errorf("another bundle's Requests() moved from %d to %d", otherBefore, got)
	}
}

func TestUnknownContextNamesTheAvailableOnes(t *testing.T) {
	b := testbed.MustShared(t)
	_, err := Loader{Kubeconfig: b.Kubeconfig}.NewClient("nope")
	if err == nil {
		t.Fatal("NewClient(nope) succeeded")
	}
	msg := err.Error()
	for _, want := range []string{`"nope"`, b.Kubeconfig, "alpha, alpha-restricted, beta"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}
