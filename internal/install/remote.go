package install

import (
	"context"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// readerToken makes the long-lived token of istio-reader-service-account
// (the ServiceAccount and its ClusterRole/Binding come with the charts) as a
// kubernetes.io/service-account-token Secret in istio-system — whatever the
// kube context's namespace says — and waits for the token controller to
// fill it.
func (r *run) readerToken(ctx context.Context, cl *mesh.Cluster, progress func(string)) (steps.Result, error) {
	c := r.client(cl)
	secrets := c.Kube.CoreV1().Secrets(Namespace)
	if _, err := c.Kube.CoreV1().ServiceAccounts(Namespace).Get(ctx, ReaderSA, metav1.GetOptions{}); err != nil {
		return steps.Result{}, fmt.Errorf("the reader ServiceAccount %s/%s (from the istio-base chart) is missing: %w", Namespace, ReaderSA, err)
	}
	_, err := secrets.Get(ctx, ReaderToken, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, err := secrets.Create(ctx, readerTokenSecret(), metav1.CreateOptions{FieldManager: FieldManager}); err != nil {
			return steps.Result{}, fmt.Errorf("creating the reader token Secret %s/%s: %w", Namespace, ReaderToken, err)
		}
		if err := r.note(ctx, c, cl.Name, Object{APIVersion: "v1", Kind: "Secret", Namespace: Namespace, Name: ReaderToken, Change: "created"}); err != nil {
			return steps.Result{}, err
		}
	} else if err != nil {
		return steps.Result{}, fmt.Errorf("reading %s/%s: %w", Namespace, ReaderToken, err)
	}
	bound := r.readerTokenTimeout()
	progress(fmt.Sprintf("waiting up to %s for the token controller to fill the reader token", bound))
	var tok readerToken
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, bound, true, func(context.Context) (bool, error) {
		// The request runs under the step's context, not the poll's: near
		// the bound, client-go's rate limiter refuses a request that would
		// outlive the poll's deadline with an error of its own ("would
		// exceed context deadline"), which is not the timeout it means.
		s, err := secrets.Get(ctx, ReaderToken, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		tok = readerToken{token: s.Data[corev1.ServiceAccountTokenKey], caData: s.Data[corev1.ServiceAccountRootCAKey]}
		return len(tok.token) > 0 && len(tok.caData) > 0, nil
	})
	if err != nil {
		if ctx.Err() == nil && wait.Interrupted(err) {
			err = fmt.Errorf("the reader token Secret %s/%s was not filled within %s: the token controller of %s's kube-controller-manager does not fill service-account-token Secrets", Namespace, ReaderToken, bound, cl.Name)
		} else {
			err = fmt.Errorf("waiting for the reader token Secret %s/%s: %w", Namespace, ReaderToken, err)
		}
		return steps.Result{}, steps.WithHint(err, readerTokenHint)
	}
	r.setToken(cl.Name, tok)
	return steps.Result{Message: fmt.Sprintf("reader token %s/%s ready", Namespace, ReaderToken)}, nil
}

// readerTokenHint is the reader-token step's hint; `meshwiz check` tests the
// same thing beforehand (cluster/reader-token).
const readerTokenHint = "kube-controller-manager must run the token controller: serviceaccount-token enabled in --controllers " +
	"and --service-account-private-key-file set (on a managed cluster ask the provider); `meshwiz check` reports it as cluster/reader-token. " +
	"Run setup again once it does: the Secret is filled then"

func (r *run) readerTokenTimeout() time.Duration {
	if r.env.ReaderTokenTimeout > 0 {
		return r.env.ReaderTokenTimeout
	}
	return DefaultReaderTokenTimeout
}

// serverFor is the API server address written into remote secrets for a cluster.
func (r *run) serverFor(cl *mesh.Cluster) string {
	if cl.Server != "" {
		return cl.Server
	}
	return r.client(cl).Server
}

// remoteSecret writes, into target's istio-system, the Secret that lets
// target's istiod read source: labelled istio/multiCluster=true, annotated
// with source's cluster name, holding a kubeconfig with source's server and
// the reader token. The operator's own credentials never leave this machine.
func (r *run) remoteSecret(ctx context.Context, source, target *mesh.Cluster) (steps.Result, error) {
	tok, err := r.token(source.Name)
	if err != nil {
		return steps.Result{}, err
	}
	server := r.serverFor(source)
	kc := clientcmdapi.NewConfig()
	kc.Clusters[source.Name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: tok.caData}
	kc.AuthInfos[source.Name] = &clientcmdapi.AuthInfo{Token: string(tok.token)}
	kc.Contexts[source.Name] = &clientcmdapi.Context{Cluster: source.Name, AuthInfo: source.Name}
	kc.CurrentContext = source.Name
	data, err := clientcmd.Write(*kc)
	if err != nil {
		return steps.Result{}, err
	}
	c := r.client(target)
	s := remoteSecretObject(source.Name, data)
	name := s.Name
	secrets := c.Kube.CoreV1().Secrets(Namespace)
	existing, err := secrets.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: FieldManager})
	case err == nil && reflect.DeepEqual(existing.Data, s.Data) && existing.Labels[MultiClusterLbl] == "true" && existing.Annotations[ClusterAnno] == source.Name:
		return steps.Result{Message: fmt.Sprintf("%s/%s is up to date: %s's istiod reads %s at %s", Namespace, name, target.Name, source.Name, server)}, nil
	case err == nil:
		existing.Labels, existing.Annotations, existing.Data, existing.Type = s.Labels, s.Annotations, s.Data, s.Type
		_, err = secrets.Update(ctx, existing, metav1.UpdateOptions{FieldManager: FieldManager})
	}
	if err != nil {
		return steps.Result{}, fmt.Errorf("writing the remote secret %s/%s: %w", Namespace, name, err)
	}
	if err := r.note(ctx, c, target.Name, Object{APIVersion: "v1", Kind: "Secret", Namespace: Namespace, Name: name, Change: "created",
		Detail: "lets this cluster's istiod read cluster " + source.Name}); err != nil {
		return steps.Result{}, err
	}
	return steps.Result{Message: fmt.Sprintf("%s's istiod reads %s at %s", target.Name, source.Name, server)}, nil
}
