// Package charts gives meshwiz the real Istio Helm charts (base, istiod,
// gateway) and the values each cluster role needs.
//
// The charts come from the istio.io/istio module's manifests package, which
// embeds manifests/charts/* at build time, so meshwiz installs exactly the
// charts it was tested against and needs no network. A directory of charts or
// a Helm repository can be used instead (Source).
package charts

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/downloader"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
	"istio.io/istio/manifests"
	"sigs.k8s.io/yaml"
)

// Chart names, as in Chart.yaml and in Istio's Helm repository.
const (
	Base    = "base"
	Istiod  = "istiod"
	Gateway = "gateway"
)

// Source kinds.
const (
	SourceEmbedded = "embedded"
	SourceRepo     = "repo"
	SourcePath     = "path"
)

// DefaultRepoURL is where Istio publishes its charts from 1.31 on. The
// classic https://istio-release.storage.googleapis.com/charts gets no 1.31 or
// later release (1.31 upgrade notes, "Deprecation of GCP infrastructure and
// hosting": Helm charts move to blob.istio.io/istio-release/charts, OCI
// charts to ghcr.io/istio/release/charts).
const DefaultRepoURL = "oci://ghcr.io/istio/release/charts"

// EmbeddedRelease is the Istio release of the embedded charts. The
// istio.io/istio module in go.mod (embeddedIstioVersion) is commit
// eed52ebb66ad, which Istio tagged 1.31.0 (and 1.31.0-rc.4) on its releases
// page; the module's VERSION file says 1.31. A test ties the two together:
// moving go.mod to another commit fails it until this names that commit's
// release.
const EmbeddedRelease = "1.31.0"

// istioModule is the module whose manifests package embeds the charts.
const istioModule = "istio.io/istio"

// Source says where the charts come from.
type Source struct {
	Kind    string // "embedded" (default) | "repo" | "path"
	RepoURL string // repo: default DefaultRepoURL; oci://… also accepted
	Version string // repo: chart version = Istio version, e.g. "1.31.1"
	Path    string // path: dir with base/, istiod/, gateway/ (dirs or <name>-*.tgz)
}

func (s Source) String() string {
	switch s.Kind {
	case "", SourceEmbedded:
		return "embedded Istio " + EmbeddedRelease + " charts (" + istioModule + " " + IstioModuleVersion() + ")"
	case SourceRepo:
		v := s.Version
		if v == "" {
			v = "latest"
		}
		return "repo " + s.repoURL() + " version " + v
	case SourcePath:
		return "path " + s.Path
	}
	return "source kind " + s.Kind
}

func (s Source) repoURL() string {
	if s.RepoURL == "" {
		return DefaultRepoURL
	}
	return strings.TrimSuffix(s.RepoURL, "/")
}

// embeddedDirs maps chart names to their directory inside manifests.FS.
// The istiod chart's source lives in istio-control/istio-discovery.
var embeddedDirs = map[string]string{
	Base:    "charts/base",
	Istiod:  "charts/istio-control/istio-discovery",
	Gateway: "charts/gateway",
}

// Load returns the named chart (Base, Istiod or Gateway) from src.
func Load(src Source, name string) (*chart.Chart, error) {
	if _, ok := embeddedDirs[name]; !ok {
		return nil, fmt.Errorf("chart %q: unknown chart (want %s, %s or %s)", name, Base, Istiod, Gateway)
	}
	var (
		ch  *chart.Chart
		err error
	)
	switch src.Kind {
	case "", SourceEmbedded:
		if ch, err = loadFS(manifests.FS, embeddedDirs[name]); err == nil {
			stamp(ch, EmbeddedRelease)
		}
	case SourcePath:
		ch, err = loadPath(src.Path, name)
	case SourceRepo:
		ch, err = loadRepo(src, name)
	default:
		return nil, fmt.Errorf("chart %q: unknown source kind %q (want embedded, repo or path)", name, src.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("chart %q from %s: %w", name, src, err)
	}
	if ch.Name() != name {
		return nil, fmt.Errorf("chart %q from %s: Chart.yaml names it %q", name, src, ch.Name())
	}
	return ch, nil
}

// loadFS reads every file under dir of fsys and hands them to Helm's loader,
// the in-memory equivalent of loader.LoadDir (the embedded charts have no
// .helmignore, so nothing is skipped).
func loadFS(fsys fs.FS, dir string) (*chart.Chart, error) {
	var files []*loader.BufferedFile
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(p, dir+"/"), Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no files under %s", dir)
	}
	return loader.LoadFiles(files)
}

// loadPath finds name under root as a directory or a packaged <name>-*.tgz.
// For istiod, an Istio source tree's manifests/charts layout
// (istio-control/istio-discovery) is accepted too.
func loadPath(root, name string) (*chart.Chart, error) {
	if root == "" {
		return nil, fmt.Errorf("no path given")
	}
	dirs := []string{filepath.Join(root, name)}
	if name == Istiod {
		dirs = append(dirs, filepath.Join(root, "istio-control", "istio-discovery"))
	}
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, "Chart.yaml")); err == nil && !st.IsDir() {
			return loader.Load(d)
		}
	}
	tgz, err := filepath.Glob(filepath.Join(root, name+"-*.tgz"))
	if err != nil {
		return nil, err
	}
	switch len(tgz) {
	case 1:
		return loader.Load(tgz[0])
	case 0:
		return nil, fmt.Errorf("neither %s/Chart.yaml nor %s-*.tgz found", dirs[0], filepath.Join(root, name))
	}
	sort.Strings(tgz)
	return nil, fmt.Errorf("%d packages match %s-*.tgz (%s); keep one", len(tgz), filepath.Join(root, name), strings.Join(tgz, ", "))
}

// loadRepo downloads the chart with Helm's downloader into Helm's repository
// cache (HELM_* environment honoured) and loads it. It does what
// ChartPathOptions.LocateChart does, minus LocateChart's preference for a
// same-named directory in the working directory (a ./gateway dir would win).
func loadRepo(src Source, name string) (*chart.Chart, error) {
	settings := cli.New()
	getters := getter.All(settings)
	dl := downloader.ChartDownloader{
		Out:              os.Stderr,
		Getters:          getters,
		RepositoryConfig: settings.RepositoryConfig,
		RepositoryCache:  settings.RepositoryCache,
	}
	ref := src.repoURL()
	if registry.IsOCI(ref) {
		rc, err := registry.NewClient(registry.ClientOptCredentialsFile(settings.RegistryConfig))
		if err != nil {
			return nil, err
		}
		dl.RegistryClient = rc
		dl.Options = append(dl.Options, getter.WithRegistryClient(rc))
		ref = ref + "/" + name
	} else {
		u, err := repo.FindChartInRepoURL(ref, name, src.Version, "", "", "", getters)
		if err != nil {
			return nil, err
		}
		ref = u
	}
	if err := os.MkdirAll(settings.RepositoryCache, 0o755); err != nil {
		return nil, err
	}
	file, _, err := dl.DownloadTo(ref, src.Version, settings.RepositoryCache)
	if err != nil {
		return nil, err
	}
	return loader.Load(file)
}

// stamp sets the chart's version and appVersion to release, as Istio's
// release builder does when it packages a release (stampChartForRelease):
// the source tree's Chart.yaml carries the placeholder 1.0.0, which `helm
// list` and `meshwiz status` would otherwise show (istiod-1.0.0). The
// builder also rewrites the default hub and tag in values.yaml; meshwiz
// always sets both (ClusterValues.Validate), so those defaults are never used.
func stamp(ch *chart.Chart, release string) {
	ch.Metadata.Version = release
	ch.Metadata.AppVersion = release
}

// Versions maps each embedded chart's name to the version it is installed
// with: its Chart.yaml version as Load stamps it (EmbeddedRelease), or
// "unknown" when the chart cannot be read.
func Versions() map[string]string {
	out := make(map[string]string, len(embeddedDirs))
	for name, dir := range embeddedDirs {
		data, err := fs.ReadFile(manifests.FS, path.Join(dir, "Chart.yaml"))
		if err != nil {
			out[name] = "unknown"
			continue
		}
		var md chart.Metadata
		if err := yaml.Unmarshal(data, &md); err != nil || md.Version == "" {
			out[name] = "unknown"
			continue
		}
		out[name] = EmbeddedRelease
	}
	return out
}

// VerifiedAgainst says which chart release meshwiz's values were verified
// against, and whether src is that release: "plan" and the wizard's review
// screen print it.
func VerifiedAgainst(src Source) string {
	switch {
	case src.Kind == "" || src.Kind == SourceEmbedded,
		src.Kind == SourceRepo && src.Version == EmbeddedRelease:
		return "values verified against this release"
	case src.Kind == SourceRepo:
		return "values verified against Istio " + EmbeddedRelease + " only, not " + src.Version + ": review `plan --values`"
	}
	return "values verified against Istio " + EmbeddedRelease + " only, not these charts: review `plan --values`"
}

// Describe is a short form of String for one line of a summary: "embedded
// Istio 1.31.0", "oci://ghcr.io/istio/release/charts 1.32.1", "./charts".
func (s Source) Describe() string {
	switch s.Kind {
	case "", SourceEmbedded:
		return "embedded Istio " + EmbeddedRelease
	case SourceRepo:
		return s.repoURL() + " " + s.Version
	}
	return s.Path
}

// embeddedIstioVersion is the istio.io/istio version in go.mod, for binaries
// without module build information (test binaries have none). A test keeps it
// equal to go.mod.
const embeddedIstioVersion = "v0.0.0-20260827124520-eed52ebb66ad"

// IstioModuleVersion is the version of the istio.io/istio module the charts
// were embedded from, e.g. "v0.0.0-20260827124520-eed52ebb66ad".
func IstioModuleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path != istioModule {
				continue
			}
			if m.Replace != nil {
				return m.Replace.Version + " (replaces " + m.Version + ")"
			}
			return m.Version
		}
	}
	return embeddedIstioVersion
}
