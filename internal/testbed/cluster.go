package testbed

import (
	"context"
	"fmt"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// clusterReadyTimeout bounds the wait for nodes and the default
// ServiceAccount once the components run (normally about 6 s).
const clusterReadyTimeout = 90 * time.Second

// Cluster is one running loopback cluster of a Bed.
type Cluster struct {
	// Name is the cluster's name; Context is its kubeconfig context (the same).
	Name, Context string
	// RestrictedContext is "<name>-restricted" when ClusterSpec.RestrictedUser
	// was set, else "".
	RestrictedContext string
	// Server is the apiserver's real address, https://127.0.0.1:<port>.
	Server string
	// KubeconfigServer is the server URL written into the kubeconfig:
	// ClusterSpec.ServerAddress if set, else Server.
	KubeconfigServer string
	// PodCIDR and ServiceCIDR are the normalized ranges of the cluster.
	PodCIDR, ServiceCIDR string
	// LoadBalancerNet is the /24 the fake load-balancer assigner uses.
	LoadBalancerNet string
	// Nodes is the number of fake nodes (see NodeName).
	Nodes int

	index     int
	spec      ClusterSpec
	dir       string
	pki       *pki
	port      int
	readyAt   time.Time
	rest      *rest.Config
	cs        kubernetes.Interface
	apiserver *process
	kcm       *process
	scheduler *process
	kwok      *process
}

// Index is the cluster's position in Options.Clusters (used for its default
// ranges and its fake load-balancer addresses).
func (c *Cluster) Index() int { return c.index }

// RESTConfig returns a new REST config for the cluster's admin user
// (system:masters), built from the PKI rather than the kubeconfig, so it
// reaches the apiserver even when ServerAddress is bogus.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.rest) }

// Clientset returns an admin clientset for the cluster.
func (c *Cluster) Clientset() kubernetes.Interface { return c.cs }

// processes returns the cluster's started processes.
func (c *Cluster) processes() []*process {
	var out []*process
	for _, p := range []*process{c.apiserver, c.kcm, c.scheduler, c.kwok} {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// errorf wraps err with the cluster's name.
func (c *Cluster) errorf(format string, args ...any) error {
	return fmt.Errorf("testbed: cluster %q: "+format, append([]any{c.Name}, args...)...)
}

// bringUp turns a cluster whose apiserver is ready into a usable one: starts
// the controllers, scheduler and kwok, creates the fake nodes, the restricted
// user's RBAC and the load-balancer assigner, and waits until the nodes are
// Ready and kcm has created the default ServiceAccount.
func (b *Bed) bringUp(ctx context.Context, c *Cluster) error {
	if err := b.startComponents(c); err != nil {
		return err
	}
	if err := createNodes(ctx, c); err != nil {
		return c.errorf("%w", err)
	}
	if c.RestrictedContext != "" {
		if err := createRestrictedRBAC(ctx, c); err != nil {
			return c.errorf("restricted user RBAC: %w", err)
		}
	}
	if !c.spec.NoLoadBalancer {
		if err := b.runLBAssigner(b.ctx, c); err != nil {
			return c.errorf("%w", err)
		}
	}
	if err := b.waitCluster(ctx, c, c.kwok, "fake nodes Ready", nodesReady); err != nil {
		return err
	}
	if err := b.waitCluster(ctx, c, c.kcm, "ServiceAccount default/default", defaultSAExists); err != nil {
		return err
	}
	b.logf("[%s] nodes Ready, default ServiceAccount present", c.Name)
	return nil
}

// waitCluster polls cond until it holds. It fails at once when any of c's
// processes exits, and on timeout blames owner (with the tail of its log).
func (b *Bed) waitCluster(ctx context.Context, c *Cluster, owner *process, what string,
	cond func(context.Context, *Cluster) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, clusterReadyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := cond(ctx, c)
		if err != nil {
			return c.errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		for _, p := range c.processes() {
			if p.exited() {
				return p.exitError()
			}
		}
		select {
		case <-ctx.Done():
			return &ComponentError{Cluster: c.Name, Component: owner.component,
				Err:     fmt.Errorf("no %s after %v: %w", what, clusterReadyTimeout, ctx.Err()),
				LogPath: owner.logPath, LogTail: owner.tail()}
		case <-tick.C:
		}
	}
}

func defaultSAExists(ctx context.Context, c *Cluster) (bool, error) {
	_, err := c.cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
	return err == nil, nil
}

// createRestrictedRBAC lets the restricted user get and list pods in
// namespace default, and nothing else beyond what every authenticated user
// may do (discovery, self-reviews).
func createRestrictedRBAC(ctx context.Context, c *Cluster) error {
	const name = "meshwiz-restricted"
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"},
		}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: restrictedUser}},
	}
	rbac := c.cs.RbacV1().Roles(metav1.NamespaceDefault)
	if err := retryTransient(ctx, func() error {
		_, err := rbac.Create(ctx, role, metav1.CreateOptions{})
		return ignoreExists(err)
	}); err != nil {
		return err
	}
	return retryTransient(ctx, func() error {
		_, err := c.cs.RbacV1().RoleBindings(metav1.NamespaceDefault).Create(ctx, binding, metav1.CreateOptions{})
		return ignoreExists(err)
	})
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// retryTransient runs fn until it succeeds, fails with a non-transient
// error, or 30 s pass. Right after /readyz a few requests can still meet
// "the server is currently unable to handle the request" or a missing
// default namespace.
func retryTransient(ctx context.Context, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		err := fn()
		if err == nil {
			return nil
		}
		transient := apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) ||
			apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err) ||
			apierrors.IsNotFound(err) // e.g. namespace default not created yet
		if !transient {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// newClients fills c's REST config and clientset once Server is known.
func (c *Cluster) newClients() error {
	c.rest = adminRESTConfig(c.Server, c.pki)
	cs, err := kubernetes.NewForConfig(c.rest)
	if err != nil {
		return c.errorf("clientset: %w", err)
	}
	c.cs = cs
	return nil
}
