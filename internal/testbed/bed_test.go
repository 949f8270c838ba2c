package testbed_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/meshwiz/meshwiz/internal/testbed"
)

// kubeconfigClient builds a clientset the way meshwiz will: from the
// kubeconfig file, with a context override.
func kubeconfigClient(t *testing.T, kubeconfig, context string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: context},
	).ClientConfig()
	if err != nil {
		t.Fatalf("context %s: %v", context, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestThreeClustersStartTogether(t *testing.T) {
	b := testbed.MustShared(t)
	if len(b.Clusters) != 3 {
		t.Fatalf("%d clusters, want 3", len(b.Clusters))
	}
	raw, err := clientcmd.LoadFromFile(b.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	var contexts []string
	for name := range raw.Contexts {
		contexts = append(contexts, name)
	}
	slices.Sort(contexts)
	if want := []string{"a", "a-restricted", "b", "c"}; !slices.Equal(contexts, want) {
		t.Errorf("contexts %v, want %v", contexts, want)
	}
	if raw.CurrentContext != "a" {
		t.Errorf("current-context %q, want a", raw.CurrentContext)
	}
	uids := map[string]string{}
	for _, c := range b.Clusters {
		if c.Context != c.Name || b.Cluster(c.Name) != c {
			t.Errorf("cluster %s: Context %q / lookup mismatch", c.Name, c.Context)
		}
		ns, err := c.Clientset().CoreV1().Namespaces().Get(ctx(t, 10*time.Second), "kube-system", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("cluster %s: %v", c.Name, err)
		}
		uid := string(ns.UID)
		if other, dup := uids[uid]; dup {
			t.Errorf("clusters %s and %s share kube-system UID %s", other, c.Name, uid)
		}
		uids[uid] = c.Name
	}
	if b.Cluster("nope") != nil {
		t.Error("Cluster(nope) is not nil")
	}
}

func TestKubeconfigContextsListNodes(t *testing.T) {
	b := testbed.MustShared(t)
	for _, c := range b.Clusters {
		cs := kubeconfigClient(t, b.Kubeconfig, c.Context)
		nodes, err := cs.CoreV1().Nodes().List(ctx(t, 10*time.Second), metav1.ListOptions{})
		if err != nil {
			t.Fatalf("context %s: %v", c.Context, err)
		}
		if len(nodes.Items) != c.Nodes {
			t.Errorf("context %s: %d nodes, want %d", c.Context, len(nodes.Items), c.Nodes)
		}
		pods := netip.MustParsePrefix(c.PodCIDR)
		for _, n := range nodes.Items {
			p, err := netip.ParsePrefix(n.Spec.PodCIDR)
			if err != nil || !pods.Contains(p.Addr()) || p.Bits() < pods.Bits() {
				t.Errorf("context %s: node %s podCIDR %q not inside %s", c.Context, n.Name, n.Spec.PodCIDR, c.PodCIDR)
			}
			if got := n.Labels["topology.kubernetes.io/region"]; got != c.Name {
				t.Errorf("node %s region label %q, want %q", n.Name, got, c.Name)
			}
			if len(n.Spec.Taints) != 0 {
				t.Errorf("node %s has taints %v", n.Name, n.Spec.Taints)
			}
		}
	}
}

// webLabels select the pods of webDeployment.
var webLabels = map[string]string{"app": "web"}

// webDeployment is Deployment "web" of replicas pods (kwok runs them: the
// image is never pulled).
func webDeployment(replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: webLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: webLabels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example.invalid/web:1"}}},
			},
		},
	}
}

func TestDeploymentBecomesAvailable(t *testing.T) {
	c := testbed.MustShared(t).Cluster("b")
	cs := c.Clientset()
	ctx := ctx(t, 90*time.Second)
	ns := createNamespace(t, cs, "deploy-")
	d := webDeployment(2)
	// The namespace's default ServiceAccount comes from kcm a moment after
	// the namespace; until then the ServiceAccount admission plugin rejects
	// pods, which only delays the ReplicaSet.
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	eventually(t, 60*time.Second, "deployment available", func() (bool, error) {
		got, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return got.Status.AvailableReplicas == 2, nil
	})
	t.Logf("deployment available after %v", time.Since(start).Round(time.Millisecond))
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	podCIDR := netip.MustParsePrefix(c.PodCIDR)
	for _, p := range pods.Items {
		ip, err := netip.ParseAddr(p.Status.PodIP)
		if err != nil || !podCIDR.Contains(ip) {
			t.Errorf("pod %s IP %q not in %s", p.Name, p.Status.PodIP, c.PodCIDR)
		}
	}
}

func TestOverlappingServiceCIDRs(t *testing.T) {
	b := testbed.MustShared(t)
	a, c := b.Cluster("a"), b.Cluster("c")
	if a.ServiceCIDR != c.ServiceCIDR {
		t.Fatalf("a %s and c %s should share the service CIDR", a.ServiceCIDR, c.ServiceCIDR)
	}
	for _, cl := range []*testbed.Cluster{a, b.Cluster("b"), c} {
		cs := cl.Clientset()
		ctx := ctx(t, 20*time.Second)
		sc, err := cs.NetworkingV1().ServiceCIDRs().Get(ctx, "kubernetes", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("cluster %s: %v", cl.Name, err)
		}
		if !slices.Equal(sc.Spec.CIDRs, []string{cl.ServiceCIDR}) {
			t.Errorf("cluster %s: ServiceCIDR kubernetes has %v, want [%s]", cl.Name, sc.Spec.CIDRs, cl.ServiceCIDR)
		}
		ns := createNamespace(t, cs, "svc-")
		svc, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
				Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("cluster %s: %v", cl.Name, err)
		}
		ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
		if err != nil || !netip.MustParsePrefix(cl.ServiceCIDR).Contains(ip) {
			t.Errorf("cluster %s: ClusterIP %q not in %s", cl.Name, svc.Spec.ClusterIP, cl.ServiceCIDR)
		}
	}
}

func TestRestrictedUserIsForbidden(t *testing.T) {
	b := testbed.MustShared(t)
	a := b.Cluster("a")
	if a.RestrictedContext != "a-restricted" {
		t.Fatalf("RestrictedContext %q", a.RestrictedContext)
	}
	ctx := ctx(t, 20*time.Second)
	restricted := kubeconfigClient(t, b.Kubeconfig, a.RestrictedContext)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "restricted-"}}
	_, err := restricted.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("restricted user creating a namespace: err = %v, want Forbidden", err)
	}
	if _, err := restricted.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("restricted user listing pods in default: %v", err)
	}
	if _, err := restricted.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("restricted user listing pods in kube-system: err = %v, want Forbidden", err)
	}
	createNamespace(t, kubeconfigClient(t, b.Kubeconfig, a.Context), "admin-")
}

func TestLoadBalancerGetsLoopbackIP(t *testing.T) {
	b := testbed.MustShared(t)
	for _, cl := range []*testbed.Cluster{b.Cluster("a"), b.Cluster("c")} {
		cs := cl.Clientset()
		ctx := ctx(t, 30*time.Second)
		ns := createNamespace(t, cs, "lb-")
		var ips []string
		for _, name := range []string{"gw1", "gw2"} {
			_, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": name},
					Ports: []corev1.ServicePort{{Name: "tls", Port: 15443}}},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("cluster %s: %v", cl.Name, err)
			}
			start := time.Now()
			var ip string
			eventually(t, 10*time.Second, "load-balancer ingress", func() (bool, error) {
				svc, err := cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil || len(svc.Status.LoadBalancer.Ingress) == 0 {
					return false, err
				}
				ip = svc.Status.LoadBalancer.Ingress[0].IP
				return true, nil
			})
			t.Logf("cluster %s: %s got %s after %v", cl.Name, name, ip, time.Since(start).Round(time.Millisecond))
			want := netip.MustParsePrefix(testbed.LoadBalancerIP(cl.Index(), 0) + "/24")
			if addr, err := netip.ParseAddr(ip); err != nil || !want.Contains(addr) {
				t.Errorf("cluster %s: ingress IP %q not in %s", cl.Name, ip, want)
			}
			ips = append(ips, ip)
		}
		if ips[0] == ips[1] {
			t.Errorf("cluster %s: two services got the same address %s", cl.Name, ips[0])
		}
	}
}

// createNamespace creates a namespace that is deleted (without waiting) at
// the end of the test.
func createNamespace(t *testing.T, cs kubernetes.Interface, prefix string) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(ctx(t, 10*time.Second),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}
