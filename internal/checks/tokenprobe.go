package checks

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"
)

// The token probe. When nothing read-only decides (no kube-controller-manager
// Pod is visible and no service-account-token Secret exists: every managed
// cluster before a first setup, since Kubernetes 1.24 makes no such Secret
// by itself), cluster/reader-token asks the token controller directly, with
// exactly the mechanism setup uses: it creates a ServiceAccount of its own
// and a kubernetes.io/service-account-token Secret for it, waits at most
// TokenProbeWait for the controller to fill the Secret, and deletes both.
//
// Why the check writes here, and not setup: a warning let a token-less
// cluster pass `check` and then fail setup in its fourth phase, after the
// namespace, cacerts and three Helm releases were applied. The probe runs
// before anything is applied (setup runs the checks first), so `check`,
// `setup` and the wizard's checks screen all fail with the hint and leave
// nothing behind. A dry-run create would prove nothing (the controller
// never sees a dry-run object), and setup's own reader token cannot come
// first: its ServiceAccount arrives with the istio-base release. The
// probe's token belongs to a ServiceAccount without any binding, is never
// read (only the managedFields show that data.token was written), and dies
// with that ServiceAccount, which the probe deletes even when the check is
// cancelled. Both objects carry app.kubernetes.io/managed-by=meshwiz, so
// teardown finds them should a delete fail.

// DefaultTokenProbeWait bounds the probe's wait: the token controller fills
// a Secret within about a second.
const DefaultTokenProbeWait = 10 * time.Second

// probeNamespace holds the probe: it exists in every cluster, and
// istio-system may not exist yet.
const probeNamespace = "default"

// probeLabels mark the probe's objects as meshwiz's.
var probeLabels = map[string]string{"app.kubernetes.io/managed-by": "meshwiz", "meshwiz.io/probe": "token-controller"}

// errProbeForbidden wraps a probe that could not create its objects.
var errProbeForbidden = errors.New("the probe could not be created")

// probeTokenController runs the probe: true when the controller filled the
// Secret within wait, false when it did not. An error wrapping
// errProbeForbidden means the probe could not be created (credentials,
// admission), so nothing was learnt.
func probeTokenController(ctx context.Context, c *member, wait time.Duration) (filled bool, msg string, err error) {
	cs := c.client().Kube
	sa, err := cs.CoreV1().ServiceAccounts(probeNamespace).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "meshwiz-token-probe-", Labels: probeLabels}}, metav1.CreateOptions{})
	if err != nil {
		return false, "", fmt.Errorf("%w: creating a ServiceAccount in %s: %w", errProbeForbidden, probeNamespace, err)
	}
	ref := probeNamespace + "/" + sa.Name
	defer func() {
		// Delete even when ctx is cancelled: the Secret first (without a
		// token controller nothing else removes it), then the account.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		derr := cs.CoreV1().Secrets(probeNamespace).Delete(dctx, sa.Name, metav1.DeleteOptions{})
		if serr := cs.CoreV1().ServiceAccounts(probeNamespace).Delete(dctx, sa.Name, metav1.DeleteOptions{}); serr != nil || (derr != nil && !apierrors.IsNotFound(derr)) {
			err = errors.Join(err, fmt.Errorf("removing the probe %s (ServiceAccount and Secret, labelled meshwiz.io/probe; `meshwiz teardown` finds them too): %w", ref, errors.Join(derr, serr)))
		}
	}()
	secret, err := cs.CoreV1().Secrets(probeNamespace).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: sa.Name, Labels: probeLabels, Annotations: map[string]string{corev1.ServiceAccountNameKey: sa.Name}},
		Type:       corev1.SecretTypeServiceAccountToken}, metav1.CreateOptions{})
	if err != nil {
		return false, "", fmt.Errorf("%w: creating a service-account-token Secret in %s: %w", errProbeForbidden, probeNamespace, err)
	}
	start := time.Now()
	filled, err = awaitFilled(ctx, c, secret, wait)
	if err != nil {
		return false, "", fmt.Errorf("waiting for the probe Secret %s: %w", ref, err)
	}
	if !filled {
		return false, fmt.Sprintf("the probe's service-account-token Secret %s was not filled within %s (removed again)", ref, wait), nil
	}
	return true, fmt.Sprintf("the token controller filled a probe Secret in %s (ServiceAccount and Secret %s, removed again)", time.Since(start).Round(10*time.Millisecond), ref), nil
}

// awaitFilled watches the Secret's metadata (never its data) from the
// version Create returned until its managedFields show data.token, or wait
// passes (false, nil).
func awaitFilled(ctx context.Context, c *member, secret *corev1.Secret, wait time.Duration) (bool, error) {
	mc, err := metadata.NewForConfig(c.client().Config)
	if err != nil {
		return false, err
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	w, err := mc.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace(secret.Namespace).Watch(wctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", secret.Name).String(), ResourceVersion: secret.ResourceVersion})
	if err != nil {
		if wctx.Err() != nil && ctx.Err() == nil {
			return false, nil
		}
		return false, err
	}
	defer w.Stop()
	for {
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				switch {
				case ctx.Err() != nil:
					return false, ctx.Err()
				case wctx.Err() != nil:
					return false, nil
				}
				return false, errors.New("the watch ended before the Secret was filled")
			}
			if ev.Type == watch.Error {
				return false, fmt.Errorf("watch: %v", ev.Object)
			}
			if m, ok := ev.Object.(*metav1.PartialObjectMetadata); ok && tokenFilled(m) {
				return true, nil
			}
		}
	}
}
