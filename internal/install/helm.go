package install

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/meshwiz/meshwiz/internal/await"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// helmRelease installs the release, or upgrades it in place when it exists,
// and waits for its resources. A release left failed or pending by an
// interrupted run is repaired first (uninstalled when it never deployed,
// rolled back when an upgrade was cut off), so a re-run finishes the job.
// While Helm waits, progress reports the release's Deployments.
func (r *run) helmRelease(ctx context.Context, c *kube.Client, name string, ch *chart.Chart, values map[string]any, progress func(string)) (string, error) {
	cfg, err := c.Helm(Namespace, nil)
	if err != nil {
		return "", err
	}
	timeout := r.env.HelmTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	last, err := lastRelease(cfg, name)
	if err != nil {
		return "", err
	}
	if last != nil {
		if err := repair(cfg, last, timeout); err != nil {
			return "", err
		}
		if last, err = lastRelease(cfg, name); err != nil {
			return "", err
		}
	}
	if last != nil && upToDate(last, ch, values) {
		return fmt.Sprintf("release %s is up to date (chart %s %s, revision %d): nothing to change", name, ch.Metadata.Name, ch.Metadata.Version, last.Version), nil
	}
	var rel *release.Release
	verb := "installed"
	progress(fmt.Sprintf("applying release %s (chart %s %s)", name, ch.Metadata.Name, ch.Metadata.Version))
	// Helm does not wait (its wait polls every two seconds, and waits for a
	// LoadBalancer's address inside the release's timeout, where the
	// gateway-address step's own hint would never show): the release's
	// objects are awaited below with watches, each bounded with its hint.
	if last == nil {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace = name, Namespace
		in.Timeout = timeout
		in.DisableOpenAPIValidation = true
		rel, err = in.RunWithContext(ctx, ch, values)
	} else {
		up := action.NewUpgrade(cfg)
		up.Namespace = Namespace
		up.Timeout = timeout
		up.MaxHistory = 10
		up.DisableOpenAPIValidation = true
		rel, err = up.RunWithContext(ctx, name, ch, values)
		verb = "upgraded"
	}
	if err != nil {
		return "", fmt.Errorf("helm %s of release %s/%s: %w", map[bool]string{true: "install", false: "upgrade"}[last == nil], Namespace, name, err)
	}
	if err := awaitRelease(ctx, c, rel, timeout, progress); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s release %s (chart %s %s, revision %d)", verb, name, ch.Metadata.Name, ch.Metadata.Version, rel.Version), nil
}

// upToDate reports whether the deployed release already has this chart
// version and these values, so that a second setup changes nothing.
func upToDate(last *release.Release, ch *chart.Chart, values map[string]any) bool {
	if last.Info.Status != release.StatusDeployed || last.Chart == nil || last.Chart.Metadata == nil ||
		last.Chart.Metadata.Name != ch.Metadata.Name || last.Chart.Metadata.Version != ch.Metadata.Version {
		return false
	}
	if len(last.Config) == 0 && len(values) == 0 {
		return true // Helm stores empty values as null
	}
	a, err1 := json.Marshal(last.Config)
	b, err2 := json.Marshal(values)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// lastRelease returns the newest revision of a release, or nil.
func lastRelease(cfg *action.Configuration, name string) (*release.Release, error) {
	h := action.NewHistory(cfg)
	h.Max = 1
	rels, err := h.Run(name)
	if errors.Is(err, driver.ErrReleaseNotFound) || (err == nil && len(rels) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the history of release %s: %w", name, err)
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].Version > rels[j].Version })
	return rels[0], nil
}

// repair makes a release left behind by an interrupted or failed run
// upgradable again.
func repair(cfg *action.Configuration, last *release.Release, timeout time.Duration) error {
	switch last.Info.Status {
	case release.StatusDeployed, release.StatusSuperseded:
		return nil
	case release.StatusPendingUpgrade, release.StatusPendingRollback:
		if last.Version > 1 {
			rb := action.NewRollback(cfg)
			rb.Wait, rb.Timeout = false, timeout
			if err := rb.Run(last.Name); err != nil {
				return fmt.Errorf("rolling back the interrupted upgrade of release %s: %w", last.Name, err)
			}
			return nil
		}
	}
	if last.Info.Status == release.StatusFailed && last.Version > 1 {
		return nil // an upgrade failed; the next upgrade replaces it
	}
	// Never deployed (failed or interrupted first install): start over.
	un := action.NewUninstall(cfg)
	un.Timeout = timeout
	if _, err := un.Run(last.Name); err != nil {
		return fmt.Errorf("removing the unfinished release %s (status %s): %w", last.Name, last.Info.Status, err)
	}
	return nil
}

// awaitRelease waits, with watches, for what the release needs before the
// next step may start: its CRDs Established, its Deployments Available.
// Services' addresses are not its business (the gateway-address step waits
// for those with its own hint).
func awaitRelease(ctx context.Context, c *kube.Client, rel *release.Release, timeout time.Duration, progress func(string)) error {
	if strings.Contains(rel.Manifest, "\nkind: CustomResourceDefinition") {
		if err := await.ReleaseCRDsEstablished(ctx, c.Dynamic, rel.Name, timeout, progress); err != nil {
			return steps.WithHint(fmt.Errorf("release %s: %w", rel.Name, err), crdHint)
		}
	}
	if strings.Contains(rel.Manifest, "\nkind: Deployment") {
		if err := await.ReleaseDeploymentsAvailable(ctx, c.Kube, Namespace, rel.Name, timeout, progress); err != nil {
			return steps.WithHint(fmt.Errorf("release %s: %w", rel.Name, err), deploymentHint)
		}
	}
	return nil
}

const (
	crdHint        = "the apiserver did not serve the new CRDs: `kubectl get crd <name> -o yaml` shows their conditions (NamesAccepted, Established); running setup again waits again"
	deploymentHint = "`kubectl -n istio-system describe deployment <name>` and `kubectl -n istio-system get events` show why pods do not become ready " +
		"(image pull: istio.hub/istio.tag; resources; node selectors); running setup again waits again"
)
