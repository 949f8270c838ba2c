package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; when
// empty, the module version from the build info is used.
var version = ""

// versionInfo is the output of `meshwiz version`; its JSON form is stable.
type versionInfo struct {
	Version      string            `json:"version"`
	GoVersion    string            `json:"goVersion"`
	Platform     string            `json:"platform"`
	Dependencies map[string]string `json:"dependencies"`
}

// reportedDeps are the libraries whose versions matter to an operator.
var reportedDeps = []string{"helm.sh/helm/v3", "k8s.io/client-go", "istio.io/istio", "charm.land/bubbletea/v2"}

func currentVersion() versionInfo {
	v := versionInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, Dependencies: map[string]string{}}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			for _, want := range reportedDeps {
				if d.Path == want {
					v.Dependencies[d.Path] = d.Version
				}
			}
		}
	}
	if v.Version == "" || v.Version == "(devel)" {
		v.Version = "dev"
	}
	return v
}

func newVersionCmd(s streams) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print meshwiz's version and the versions of Helm, client-go and Istio charts it carries",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkOutput(out); err != nil {
				return err
			}
			v := currentVersion()
			if out == "json" {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			fmt.Fprintf(s.Out, "meshwiz %s (%s, %s)\n", v.Version, v.GoVersion, v.Platform)
			for _, d := range reportedDeps {
				if dv, ok := v.Dependencies[d]; ok {
					fmt.Fprintf(s.Out, "  %-24s %s\n", d, dv)
				}
			}
			return nil
		},
	}
	outputFlag(cmd, &out)
	return cmd
}
