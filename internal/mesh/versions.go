package mesh

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// EmbeddedIstioRelease is the Istio release of the charts built into meshwiz
// (charts.EmbeddedRelease; a test keeps the two equal). It is the default
// istio.version, so the default image tag is the release of the charts that
// are installed: Helm installs never mix chart and image patch levels.
const EmbeddedIstioRelease = "1.31.0"

// SupportedLines are the Istio minor lines meshwiz installs. Only
// EmbeddedIstioRelease comes with meshwiz; another release of these lines
// needs its charts from a repository or a directory (istio.charts.source),
// and meshwiz's values were verified against the embedded release only.
var SupportedLines = []string{"1.31", "1.32"}

// versionRE matches Istio release versions: 1.31, 1.31.1, 1.32.0-beta.0.
var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9A-Za-z.-]+)?$`)

// releaseRE matches a full release (MAJOR.MINOR.PATCH, optional pre-release):
// the only form that names an image tag that exists (Istio publishes no
// floating MAJOR.MINOR tags).
var releaseRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// Line returns the MAJOR.MINOR of an Istio version ("1.31.0" → "1.31").
func Line(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + strings.SplitN(parts[1], "-", 2)[0]
}

// version checks istio.version against the chart source: the embedded charts
// are one release; any other release of a supported line needs its charts
// from a repository or a directory.
func (p *problems) version(i *Istio) {
	v := i.Version
	switch {
	case v == "":
		p.add("istio.version", "is empty", "set an Istio release, e.g. version: %q", EmbeddedIstioRelease)
		return
	case strings.HasPrefix(v, "v") && versionRE.MatchString(v[1:]):
		p.add("istio.version", fmt.Sprintf("%q starts with v", v), "drop the v: version: %q", v[1:])
		return
	case !versionRE.MatchString(v):
		p.add("istio.version", fmt.Sprintf("%q is not an Istio version", v), "use MAJOR.MINOR.PATCH, e.g. %q", EmbeddedIstioRelease)
		return
	}
	if !slices.Contains(SupportedLines, Line(v)) {
		p.add("istio.version", fmt.Sprintf("%q is not a line meshwiz installs (%s)", v, strings.Join(SupportedLines, ", ")),
			"use version: %q (the charts built into meshwiz)", EmbeddedIstioRelease)
		return
	}
	if i.Tag == "" && !releaseRE.MatchString(v) {
		p.add("istio.version", fmt.Sprintf("%q names a line, not a release, and it is the image tag: no %s image tag exists", v, v),
			"write the release, e.g. version: %q", EmbeddedIstioRelease)
		return
	}
	if i.Charts.Source == ChartsEmbedded && v != EmbeddedIstioRelease {
		p.add("istio.version", fmt.Sprintf("%q, but meshwiz's embedded charts are Istio %s", v, EmbeddedIstioRelease),
			"use version: %q and set istio.tag to choose another image tag, or take the %s charts from a repository (istio.charts.source: repo, default repoURL %s) or a directory (source: path)",
			EmbeddedIstioRelease, v, DefaultRepoURL)
	}
}
