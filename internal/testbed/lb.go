package testbed

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// LoadBalancerIP returns the n-th (1-254) default fake load-balancer address
// of the cluster with this index in Options.Clusters: 127.0.<10+index>.<n>
// (see ClusterSpec.LoadBalancerNet). The addresses are data: nothing listens
// on them.
func LoadBalancerIP(index, n int) string { return fmt.Sprintf("127.0.%d.%d", 10+index, n) }

// lbAssigner stands in for a cloud's service-lb-controller: every Service of
// type LoadBalancer without an ingress gets the lowest free LoadBalancerIP of
// its cluster (or, with ClusterSpec.LoadBalancerHostname, a host name)
// through the services/status subresource.
type lbAssigner struct {
	c     *Cluster
	queue workqueue.TypedRateLimitingInterface[string]
	store cache.Store
	// pending maps Service keys to addresses written but not yet seen by
	// the informer. Only the single worker goroutine touches it.
	pending map[string]string
}

// runLBAssigner runs the assigner of c until ctx ends. It returns once its
// informer has synced, so that Start returns with the assigner working; the
// goroutines it leaves are tracked by the bed's WaitGroup.
func (b *Bed) runLBAssigner(ctx context.Context, c *Cluster) error {
	factory := informers.NewSharedInformerFactory(c.cs, 0)
	inf := factory.Core().V1().Services().Informer()
	a := &lbAssigner{
		c:       c,
		queue:   workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		store:   inf.GetStore(),
		pending: map[string]string{},
	}
	enqueue := func(obj any) {
		if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
			a.queue.Add(key)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return fmt.Errorf("load-balancer assigner: %w", err)
	}
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		factory.Start(ctx.Done())
		<-ctx.Done()
		a.queue.ShutDown()
		factory.Shutdown()
	}()
	go func() {
		defer b.wg.Done()
		for a.next(ctx) {
		}
	}()
	syncCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), inf.HasSynced) {
		return fmt.Errorf("load-balancer assigner: services informer did not sync")
	}
	return nil
}

// next handles one queued Service; false once the queue is shut down.
func (a *lbAssigner) next(ctx context.Context) bool {
	key, quit := a.queue.Get()
	if quit {
		return false
	}
	defer a.queue.Done(key)
	if err := a.assign(ctx, key); err != nil && ctx.Err() == nil {
		a.queue.AddRateLimited(key)
		return true
	}
	a.queue.Forget(key)
	return true
}

func (a *lbAssigner) assign(ctx context.Context, key string) error {
	obj, exists, err := a.store.GetByKey(key)
	if err != nil || !exists {
		return err
	}
	svc := obj.(*corev1.Service)
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || len(svc.Status.LoadBalancer.Ingress) > 0 {
		return nil
	}
	upd := svc.DeepCopy()
	ip := ""
	if domain := a.c.spec.LoadBalancerHostname; domain != "" {
		upd.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{Hostname: svc.Name + "-" + svc.Namespace + "." + domain}}
	} else {
		if ip, err = a.freeIP(); err != nil {
			return err
		}
		upd.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}}
	}
	_, err = a.c.cs.CoreV1().Services(svc.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err == nil && ip != "" {
		// Reserve it so that the next Service does not get the same
		// address before the informer sees this update.
		a.pending[key] = ip
	}
	return err
}

// freeIP returns the lowest address no Service in the store holds.
func (a *lbAssigner) freeIP() (string, error) {
	used := map[string]bool{}
	for _, obj := range a.store.List() {
		for _, ing := range obj.(*corev1.Service).Status.LoadBalancer.Ingress {
			used[ing.IP] = true
		}
	}
	for key, ip := range a.pending {
		obj, exists, _ := a.store.GetByKey(key)
		if !exists || len(obj.(*corev1.Service).Status.LoadBalancer.Ingress) > 0 {
			delete(a.pending, key) // gone, or the store shows the address now
			continue
		}
		used[ip] = true
	}
	base := netip.MustParsePrefix(a.c.spec.LoadBalancerNet).Addr().As4()
	for n := 1; n <= 254; n++ {
		if ip := fmt.Sprintf("%d.%d.%d.%d", base[0], base[1], base[2], n); !used[ip] {
			return ip, nil
		}
	}
	return "", fmt.Errorf("cluster %q: all 254 fake load-balancer addresses are taken", a.c.Name)
}
