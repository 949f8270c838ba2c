package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/metadata"

	"github.com/meshwiz/meshwiz/internal/steps"
)

// The reader token. setup makes the remote secrets' token as istioctl
// create-remote-secret does: a kubernetes.io/service-account-token Secret for
// istio-reader-service-account that kube-controller-manager's token
// controller fills. It needs no TokenRequest (that token would expire, and
// the remote secrets with it), but it needs that controller, which a cluster
// can run without (--controllers=*,-serviceaccount-token, or no
// --service-account-private-key-file). cluster/reader-token tests exactly
// that: read-only from the evidence a cluster shows, else with a probe:
//  1. a kube-controller-manager Pod in kube-system (kubeadm, kind and
//     minikube run it as a static pod): its flags decide;
//  2. else the service-account-token Secrets that exist: the newest one
//     that is filled (the controller's update of data.token shows in its
//     managedFields; no Secret data is read) or that has waited longer than
//     TokenFillGrace unfilled decides;
//  3. else the probe decides (tokenprobe.go): a ServiceAccount and token
//     Secret of its own, filled or not within TokenProbeWait, then removed;
//     only when the probe cannot be created does the check warn (setup then
//     waits install's ReaderTokenTimeout for its Secret and fails with the same hint).

// DefaultTokenFillGrace is how long an unfilled service-account-token Secret
// may wait before it counts as evidence that the token controller does not
// run (it fills one within about 2 s).
const DefaultTokenFillGrace = 30 * time.Second

// tokenSecretPage bounds the Secrets one check reads (metadata only).
const tokenSecretPage = 500

const tokenHint = "kube-controller-manager must run the token controller: serviceaccount-token enabled in --controllers " +
	"(not removed with -serviceaccount-token) and --service-account-private-key-file set; on a managed cluster ask the provider. " +
	"setup's remote secrets use a kubernetes.io/service-account-token Secret for istio-reader-service-account, as istioctl create-remote-secret does"

// ControllerManagerPods lists kube-system's kube-controller-manager Pods
// (label component=kube-controller-manager, as kubeadm's static pods have).
func (f *Facts) ControllerManagerPods(ctx context.Context) ([]corev1.Pod, error) {
	return f.kcmPods.get(func() ([]corev1.Pod, error) {
		list, err := f.Client.Kube.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "component=kube-controller-manager"})
		if err != nil {
			return nil, f.wrap("listing kube-controller-manager pods in kube-system", err)
		}
		return list.Items, nil
	})
}

// TokenSecrets lists the metadata (never the data) of up to 500
// kubernetes.io/service-account-token Secrets in all namespaces.
func (f *Facts) TokenSecrets(ctx context.Context) ([]metav1.PartialObjectMetadata, error) {
	return f.tokenSecrets.get(func() ([]metav1.PartialObjectMetadata, error) {
		mc, err := metadata.NewForConfig(f.Client.Config)
		if err != nil {
			return nil, f.wrap("building a metadata client", err)
		}
		list, err := mc.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).List(ctx, metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("type", string(corev1.SecretTypeServiceAccountToken)).String(), Limit: tokenSecretPage})
		if err != nil {
			return nil, f.wrap("listing service-account-token secrets", err)
		}
		return list.Items, nil
	})
}

func checkReaderToken(ctx context.Context, p *plan, c *member) (steps.Result, error) {
	if pods, err := c.facts.ControllerManagerPods(ctx); err == nil && len(pods) > 0 {
		on, why := tokenControllerFlags(pods[0])
		if !on {
			return steps.Result{}, fmt.Errorf("kube-system/%s runs without the token controller (%s): the reader token Secret setup creates would never be filled", pods[0].Name, why)
		}
		return steps.Result{Message: fmt.Sprintf("kube-system/%s runs the token controller (%s)", pods[0].Name, why)}, nil
	}
	grace := p.opts.TokenFillGrace
	if grace <= 0 {
		grace = DefaultTokenFillGrace
	}
	secrets, err := c.facts.TokenSecrets(ctx)
	if err != nil && !apierrors.IsForbidden(err) {
		return steps.Result{}, err
	}
	var newest *metav1.PartialObjectMetadata
	for i := range secrets {
		s := &secrets[i]
		if !tokenFilled(s) && time.Since(s.CreationTimestamp.Time) < grace {
			continue // the controller may still be on its way
		}
		if newest == nil || s.CreationTimestamp.After(newest.CreationTimestamp.Time) {
			newest = s
		}
	}
	switch {
	case newest != nil && tokenFilled(newest):
		return steps.Result{Message: fmt.Sprintf("the token controller filled %s/%s (created %s ago)", newest.Namespace, newest.Name, age(newest))}, nil
	case newest != nil:
		return steps.Result{}, fmt.Errorf("the service-account-token Secret %s/%s has waited %s without a token: the token controller does not fill such Secrets, and setup's reader token would wait the same way", newest.Namespace, newest.Name, age(newest))
	}
	why := "no kube-controller-manager Pod is visible and no service-account-token Secret exists"
	if err != nil {
		why = "no kube-controller-manager Pod is visible and these credentials may not list secrets"
	}
	wait := p.opts.TokenProbeWait
	if wait <= 0 {
		wait = DefaultTokenProbeWait
	}
	filled, msg, perr := probeTokenController(ctx, c, wait)
	switch {
	case errors.Is(perr, errProbeForbidden):
		return steps.Result{}, steps.WithHint(steps.Warnf("cannot tell whether the token controller runs (%s, and %v); setup waits for its reader token Secret and says so if it is not filled", why, perr),
			"most clusters run it; to test it here, run the check with credentials that may create ServiceAccounts and Secrets in namespace default (it removes what it creates)")
	case perr != nil:
		return steps.Result{}, perr
	case !filled:
		return steps.Result{}, fmt.Errorf("%s: %s; the token controller does not fill such Secrets, so setup's reader token would wait the same way", why, msg)
	}
	return steps.Result{Message: why + ": " + msg}, nil
}

// tokenControllerFlags reads a kube-controller-manager Pod's flags: the
// token controller runs when --controllers enables serviceaccount-token
// (explicitly, or "*" without "-serviceaccount-token") and a service-account
// private key is given.
func tokenControllerFlags(pod corev1.Pod) (bool, string) {
	controllers, key := "*", ""
	for _, ct := range pod.Spec.Containers {
		for _, a := range append(append([]string(nil), ct.Command...), ct.Args...) {
			if v, ok := strings.CutPrefix(a, "--controllers="); ok {
				controllers = v
			}
			if v, ok := strings.CutPrefix(a, "--service-account-private-key-file="); ok {
				key = v
			}
		}
	}
	list := strings.Split(controllers, ",")
	has := func(s string) bool {
		for _, c := range list {
			if strings.TrimSpace(c) == s {
				return true
			}
		}
		return false
	}
	switch {
	case has("-serviceaccount-token"):
		return false, "--controllers=" + controllers
	case !has("serviceaccount-token") && !has("*"):
		return false, "--controllers=" + controllers + " does not list serviceaccount-token"
	case key == "":
		return false, "no --service-account-private-key-file"
	}
	return true, "--controllers=" + controllers + ", --service-account-private-key-file set"
}

// tokenFilled reports whether a Secret's data.token was written: some
// manager owns the field (the token controller's update shows there).
func tokenFilled(s *metav1.PartialObjectMetadata) bool {
	for _, mf := range s.ManagedFields {
		if mf.FieldsV1 != nil && bytes.Contains(mf.FieldsV1.Raw, []byte(`"f:token"`)) {
			return true
		}
	}
	return false
}

func age(s *metav1.PartialObjectMetadata) time.Duration {
	return time.Since(s.CreationTimestamp.Time).Round(time.Second)
}
