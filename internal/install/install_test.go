package install

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshwiz/meshwiz/internal/testbed"
	"github.com/meshwiz/meshwiz/internal/testbed/bedtest"
	"helm.sh/helm/v3/pkg/action"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshwiz/meshwiz/internal/certs"
	"github.com/meshwiz/meshwiz/internal/charts"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// TestMultiPrimaryMultiNetwork installs east and west as two primaries on
// two networks: first interrupted right after east's istio-base, then again
// (which finishes the job), then a third time (which upgrades in place).
func TestMultiPrimaryMultiNetwork(t *testing.T) {
	cfg := bedtest.Mesh(t, mesh.MultiPrimary, true, "east", "west")
	env := envFor(t, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	plan, err := Plan(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	first, err := steps.Run(ctx, plan, func(e steps.Event) {
		if e.Step.ID == IDBase && e.Step.Cluster == "east" && e.Status == steps.Passed {
			cancel()
		}
	})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if e := bedtest.Event(first, IDRemoteSecret+"west", "east"); e.Status != steps.Skipped {
		t.Fatalf("the interrupted run went on: %s %s", e.Status, e.Message)
	}

	for _, e := range first.Steps {
		if e.Step.ID == IDBase || e.Step.ID == IDIstiod {
			if rel := helmStatus(t, e.Step.Cluster, map[string]string{IDBase: ReleaseBase, IDIstiod: ReleaseIstiod}[e.Step.ID]); strings.HasPrefix(rel, "pending") {
				t.Errorf("Ctrl-C left %s in %s: %s", e.Step, rel, e.Message)
			}
		}
	}

	install(t, t.Context(), cfg, env) // finishes the job
	rv := recordVersion(t, "east")
	sum := install(t, t.Context(), cfg, env)
	for _, id := range []string{IDBase, IDIstiod, IDGateway} {
		contains(t, "re-run of "+id, bedtest.Event(sum, id, "east").Message, "is up to date", "nothing to change")
	}
	contains(t, "re-run of the remote secret", bedtest.Event(sum, IDRemoteSecret+"west", "east").Message, "is up to date")
	if recordVersion(t, "east") != rv {
		t.Error("a second run rewrote the record")
	}
	cfg.Istio.Tag = "1.31.2" // a real change: upgraded in place
	sum = install(t, t.Context(), cfg, env)
	contains(t, "upgrade", bedtest.Event(sum, IDIstiod, "east").Message, "upgraded release istiod", "revision 2")

	for _, name := range []string{"east", "west"} {
		other := map[string]string{"east": "west", "west": "east"}[name]
		c := bedtest.Admin(t, testbed.Shared(), name)
		ns, err := c.Kube.CoreV1().Namespaces().Get(t.Context(), Namespace, getOpts)
		if err != nil {
			t.Fatal(err)
		}
		if ns.Labels[NetworkLabel] != "net-"+name || ns.Labels[ManagedByLabel] != ManagedByValue {
			t.Errorf("%s: istio-system labels %v", name, ns.Labels)
		}
		hcfg, err := c.Helm(Namespace, nil)
		if err != nil {
			t.Fatal(err)
		}
		rels, err := action.NewList(hcfg).Run()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rels {
			got = append(got, r.Name)
			// helm list's CHART column: the real release, not the source
			// tree's placeholder 1.0.0.
			if md := r.Chart.Metadata; md.Version != charts.EmbeddedRelease || md.AppVersion != charts.EmbeddedRelease {
				t.Errorf("%s: release %s records chart %s-%s (app %s), want %s", name, r.Name, md.Name, md.Version, md.AppVersion, charts.EmbeddedRelease)
			}
		}
		slices.Sort(got)
		if strings.Join(got, ",") != "istio-base,istio-eastwestgateway,istiod" {
			t.Errorf("%s: helm releases %v", name, got)
		}
		dep, err := c.Kube.AppsV1().Deployments(Namespace).Get(t.Context(), "istiod", getOpts)
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{}
		for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
		if env["CLUSTER_ID"] != name || dep.Spec.Template.Spec.Containers[0].Image != "docker.io/istio/pilot:1.31.2" {
			t.Errorf("%s: istiod CLUSTER_ID=%q image=%q", name, env["CLUSTER_ID"], dep.Spec.Template.Spec.Containers[0].Image)
		}
		for _, d := range []string{"istiod", "istio-eastwestgateway"} {
			dep, err := c.Kube.AppsV1().Deployments(Namespace).Get(t.Context(), d, getOpts)
			if err != nil || dep.Status.AvailableReplicas < 1 {
				t.Errorf("%s: Deployment %s is not available: %v", name, d, err)
			}
		}
		sec, err := c.Kube.CoreV1().Secrets(Namespace).Get(t.Context(), CACertsSecret, getOpts)
		if err != nil {
			t.Fatal(err)
		}
		root, err := certs.LoadRoot(cfg.Security.CA.Dir)
		if err != nil {
			t.Fatal(err)
		}
		inter := &certs.Intermediate{Cluster: name, CACertPEM: sec.Data["ca-cert.pem"], CAKeyPEM: sec.Data["ca-key.pem"],
			CertChainPEM: sec.Data["cert-chain.pem"], RootCertPEM: sec.Data["root-cert.pem"]}
		if err := root.Verify(inter, time.Now()); err != nil {
			t.Errorf("%s: cacerts does not chain to the mesh root: %v", name, err)
		}
		svc, err := c.Kube.CoreV1().Services(Namespace).Get(t.Context(), EastWestService, getOpts)
		if err != nil {
			t.Fatal(err)
		}
		if svc.Labels[NetworkLabel] != "net-"+name || len(svc.Status.LoadBalancer.Ingress) == 0 || !strings.HasPrefix(svc.Status.LoadBalancer.Ingress[0].IP, "127.0.") {
			t.Errorf("%s: gateway service labels %v ingress %v", name, svc.Labels, svc.Status.LoadBalancer.Ingress)
		}
		if _, err := c.Dynamic.Resource(gatewayGVR).Namespace(Namespace).Get(t.Context(), "cross-network-gateway", getOpts); err != nil {
			t.Errorf("%s: cross-network-gateway: %v", name, err)
		}
		checkRemoteSecret(t, name, other)
		rec, err := ReadRecord(t.Context(), c)
		if err != nil || rec == nil {
			t.Fatalf("%s: record %v %v", name, rec, err)
		}
		var kinds []string
		for _, o := range rec.Objects {
			kinds = append(kinds, o.Kind+"/"+o.Name)
		}
		for _, want := range []string{"Namespace/istio-system", "Secret/cacerts", "Release/istiod", "Release/istio-eastwestgateway",
			"Secret/" + ReaderToken, "Secret/" + mesh.RemoteSecretName(other), "Gateway/cross-network-gateway", "ConfigMap/" + RecordName} {
			if !slices.Contains(kinds, want) {
				t.Errorf("%s: the record lacks %s: %v", name, want, kinds)
			}
		}
	}
}

// checkRemoteSecret asserts that `in` holds the remote secret for `source`:
// labelled and annotated for istiod, with a kubeconfig that uses source's
// reader token — never the operator's admin credentials.
func checkRemoteSecret(t *testing.T, in, source string) {
	t.Helper()
	s, err := bedtest.Admin(t, testbed.Shared(), in).Kube.CoreV1().Secrets(Namespace).Get(t.Context(), mesh.RemoteSecretName(source), getOpts)
	if err != nil {
		t.Fatalf("%s: remote secret for %s: %v", in, source, err)
	}
	if s.Labels[MultiClusterLbl] != "true" || s.Annotations[ClusterAnno] != source || s.Labels[ManagedByLabel] != ManagedByValue {
		t.Errorf("%s: remote secret labels %v annotations %v", in, s.Labels, s.Annotations)
	}
	kc, err := clientcmd.Load(s.Data[source])
	if err != nil {
		t.Fatalf("%s: remote secret data key %q is not a kubeconfig: %v", in, source, err)
	}
	tok, err := bedtest.Admin(t, testbed.Shared(), source).Kube.CoreV1().Secrets(Namespace).Get(t.Context(), ReaderToken, getOpts)
	if err != nil {
		t.Fatal(err)
	}
	user := kc.AuthInfos[source]
	if user == nil || user.Token != string(tok.Data[corev1.ServiceAccountTokenKey]) || len(user.ClientCertificateData) > 0 || len(user.ClientKeyData) > 0 {
		t.Errorf("%s: the remote secret's user is not %s's reader token", in, source)
	}
	if cl := kc.Clusters[source]; cl == nil || cl.Server != bedtest.Admin(t, testbed.Shared(), source).Server {
		t.Errorf("%s: the remote secret's server is not %s's", in, source)
	}
	// The kubeconfig really works against the source, with the reader's rights only.
	rc, err := clientcmd.NewDefaultClientConfig(*kc, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	reader, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.CoreV1().Services("").List(t.Context(), metav1.ListOptions{}); err != nil {
		t.Errorf("%s's remote secret for %s cannot list services: %v", in, source, err)
	}
	_, err = reader.AppsV1().Deployments("default").Create(t.Context(), &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "intruder"}}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if !apierrors.IsForbidden(err) {
		t.Errorf("%s's remote secret for %s may create Deployments: %v", in, source, err)
	}
}

// TestPrimaryRemoteMultiNetwork installs hub (primary) and spoke (remote) on
// two networks with STRICT mTLS and injection in spoke's "app" namespace.
func TestPrimaryRemoteMultiNetwork(t *testing.T) {
	spokeAdmin := bedtest.Admin(t, testbed.Shared(), "spoke")
	if _, err := spokeAdmin.Kube.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "app"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := spokeAdmin.Kube.CoreV1().Pods("app").Create(t.Context(), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := bedtest.Mesh(t, mesh.PrimaryRemote, true, "hub", "spoke")
	cfg.Security.MTLS = "STRICT"
	cfg.Cluster("spoke").InjectNamespaces = []string{"app"}
	sum := install(t, t.Context(), cfg, envFor(t, cfg))

	hubAddr := bedtest.Event(sum, IDGatewayAddress, "hub")
	if hubAddr.Status != steps.Passed || bedtest.Event(sum, IDIstiod, "spoke").Time.Before(hubAddr.Time) {
		t.Errorf("spoke's istiod did not wait for hub's gateway address: %+v", hubAddr)
	}
	addr := strings.TrimPrefix(hubAddr.Message, "east-west gateway address ")
	contains(t, "injection", bedtest.Event(sum, IDInjection, "spoke").Message, "app", "1 pod(s) need a restart")

	spoke, hub := bedtest.Admin(t, testbed.Shared(), "spoke"), bedtest.Admin(t, testbed.Shared(), "hub")
	ns, err := spoke.Kube.CoreV1().Namespaces().Get(t.Context(), Namespace, getOpts)
	if err != nil {
		t.Fatal(err)
	}
	if ns.Annotations[ControlPlaneAnno] != "hub" || ns.Labels[NetworkLabel] != "net-spoke" {
		t.Errorf("spoke istio-system: labels %v annotations %v", ns.Labels, ns.Annotations)
	}
	if _, err := spoke.Kube.AppsV1().Deployments(Namespace).Get(t.Context(), "istiod", getOpts); err == nil {
		t.Error("the remote runs an istiod Deployment")
	}
	eps, err := spoke.Kube.DiscoveryV1().EndpointSlices(Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=istiod"})
	if err != nil || len(eps.Items) == 0 || len(eps.Items[0].Endpoints) == 0 || eps.Items[0].Endpoints[0].Addresses[0] != addr {
		t.Errorf("spoke's istiod EndpointSlice does not point at hub's gateway %s: %v %v", addr, eps, err)
	}
	hooks, err := spoke.Kube.AdmissionregistrationV1().MutatingWebhookConfigurations().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range hooks.Items {
		for _, w := range h.Webhooks {
			if w.ClientConfig.Service != nil && w.ClientConfig.Service.Path != nil {
				found = found || *w.ClientConfig.Service.Path == "/inject/cluster/spoke/net/net-spoke"
			}
		}
	}
	if !found {
		t.Error("no injection webhook on spoke uses /inject/cluster/spoke/net/net-spoke")
	}
	checkRemoteSecret(t, "hub", "spoke")
	if _, err := spoke.Kube.CoreV1().Secrets(Namespace).Get(t.Context(), mesh.RemoteSecretName("hub"), getOpts); err == nil {
		t.Error("the remote holds a remote secret for its primary")
	}
	if _, err := hub.Dynamic.Resource(gatewayGVR).Namespace(Namespace).Get(t.Context(), "istiod-gateway", getOpts); err != nil {
		t.Errorf("hub: istiod-gateway: %v", err)
	}
	if _, err := hub.Dynamic.Resource(virtualServiceGVR).Namespace(Namespace).Get(t.Context(), "istiod-vs", getOpts); err != nil {
		t.Errorf("hub: istiod-vs: %v", err)
	}
	if pa, err := hub.Dynamic.Resource(peerAuthGVR).Namespace(Namespace).Get(t.Context(), "default", getOpts); err != nil {
		t.Errorf("hub: PeerAuthentication: %v", err)
	} else {
		b, _ := json.Marshal(pa.Object["spec"])
		contains(t, "hub PeerAuthentication", string(b), `"STRICT"`)
	}
	// The remote's sidecars are configured by hub's istiod, which does not
	// read Istio configuration in spoke: a PeerAuthentication there does nothing.
	if _, err := spoke.Dynamic.Resource(peerAuthGVR).Namespace(Namespace).Get(t.Context(), "default", getOpts); err == nil {
		t.Error("spoke (a remote) got a mesh-wide PeerAuthentication")
	}
	if svc, err := spoke.Kube.CoreV1().Services(Namespace).Get(t.Context(), EastWestService, getOpts); err != nil || svc.Labels[NetworkLabel] != "net-spoke" {
		t.Errorf("spoke's east-west gateway: %v", err)
	}
	ns, err = spoke.Kube.CoreV1().Namespaces().Get(t.Context(), "app", getOpts)
	if err != nil || ns.Labels[InjectionLabel] != "enabled" {
		t.Errorf("namespace app: %v %v", ns.Labels, err)
	}
}

// helmStatus is the status of a release's newest revision ("" when none).
func helmStatus(t *testing.T, cluster, name string) string {
	t.Helper()
	cfg, err := bedtest.Admin(t, testbed.Shared(), cluster).Helm(Namespace, nil)
	if err != nil {
		t.Fatal(err)
	}
	last, err := lastRelease(cfg, name)
	if err != nil || last == nil {
		return ""
	}
	return last.Info.Status.String()
}

func recordVersion(t *testing.T, cluster string) string {
	cm, err := bedtest.Admin(t, testbed.Shared(), cluster).Kube.CoreV1().ConfigMaps(Namespace).Get(t.Context(), RecordName, getOpts)
	if err != nil {
		t.Fatal(err)
	}
	return cm.ResourceVersion
}
