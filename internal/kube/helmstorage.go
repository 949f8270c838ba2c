package kube

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// maxReleaseData is what a release Secret's data may hold (the API server
// refuses Secrets over 1 MiB); a fast-compressed release above it is
// compressed again as Helm does.
const maxReleaseData = 1<<20 - 16<<10

// releaseSecrets is Helm's Secret storage driver, byte-compatible with it
// (same Secret name, type, labels, base64 of gzipped JSON: helm and
// istioctl read the releases meshwiz writes), except that it compresses
// at gzip's fastest level instead of its best. Helm writes a release at
// least twice per install and once per uninstall; for Istio's base chart
// (1 MB of CRDs, stored twice: chart and manifest) best compression was a
// third of meshwiz's CPU time in a setup.
type releaseSecrets struct {
	*driver.Secrets
	impl typedcorev1.SecretInterface
}

func newReleaseSecrets(impl typedcorev1.SecretInterface, logf func(string, ...any)) *releaseSecrets {
	d := driver.NewSecrets(impl)
	d.Log = logf
	return &releaseSecrets{Secrets: d, impl: impl}
}

// Create stores a new release, as driver.Secrets.Create does.
func (s *releaseSecrets) Create(key string, rls *release.Release) error {
	obj, err := releaseSecret(key, rls, "createdAt")
	if err != nil {
		return fmt.Errorf("create: failed to encode release %q: %w", rls.Name, err)
	}
	if _, err := s.impl.Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return driver.ErrReleaseExists
		}
		return fmt.Errorf("create: failed to create: %w", err)
	}
	return nil
}

// Update replaces a stored release, as driver.Secrets.Update does.
func (s *releaseSecrets) Update(key string, rls *release.Release) error {
	obj, err := releaseSecret(key, rls, "modifiedAt")
	if err != nil {
		return fmt.Errorf("update: failed to encode release %q: %w", rls.Name, err)
	}
	if _, err := s.impl.Update(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update: failed to update: %w", err)
	}
	return nil
}

// releaseSecret is Helm's release Secret; stamp is the time label Create
// ("createdAt") or Update ("modifiedAt") sets.
func releaseSecret(key string, rls *release.Release, stamp string) (*corev1.Secret, error) {
	data, err := encodeRelease(rls, gzip.BestSpeed)
	if err == nil && len(data) > maxReleaseData {
		data, err = encodeRelease(rls, gzip.BestCompression)
	}
	if err != nil {
		return nil, err
	}
	lbs := maps.Clone(rls.Labels)
	if lbs == nil {
		lbs = map[string]string{}
	}
	lbs[stamp] = strconv.FormatInt(time.Now().Unix(), 10)
	lbs["name"], lbs["owner"] = rls.Name, "helm"
	lbs["status"], lbs["version"] = rls.Info.Status.String(), strconv.Itoa(rls.Version)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: key, Labels: lbs},
		Type:       "helm.sh/release.v1",
		Data:       map[string][]byte{"release": data},
	}, nil
}

// encodeRelease is Helm's encoding (base64 of gzipped JSON) at level.
func encodeRelease(rls *release.Release, level int) ([]byte, error) {
	b, err := json.Marshal(rls)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(buf.Len()))
	base64.StdEncoding.Encode(out, buf.Bytes())
	return out, nil
}
