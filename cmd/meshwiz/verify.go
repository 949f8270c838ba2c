package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshwiz/meshwiz/internal/action"
	"github.com/meshwiz/meshwiz/internal/kube"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/verify"
)

type verifyOptions struct {
	meshFlags
	sample     bool
	keepSample bool
	addresses  []string
	settle     time.Duration
}

func newVerifyCmd(g *globalOptions, s streams) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify (--context C... | --config mesh.yaml) [--sample] [--keep-sample]",
		Short: "Prove the mesh with istiod's own view: clusters synced, endpoints, gateways",
		Long: `Ask every primary's istiod (not the objects around it) what it sees: which
clusters it reads through remote secrets and whether it has synced them
(/debug/clusterz), which clusters' endpoints it holds per service and on which
network (/debug/endpointShardz), and the east-west gateways it knows
(/debug/networkz); then a matrix of which cluster's proxies reach which
cluster's endpoints, directly or through a gateway.

istiod is reached like istioctl does: a port-forward through the API server to
a ready istiod pod (meshwiz never dials a pod IP). On a test bed where istiod
runs as a local process, give its address with --istiod-address; in the
sandbox (make sandbox) meshwiz takes it from the sandbox's istiod.json beside
the kubeconfig.

--sample deploys Istio's helloworld (v1 in the first cluster, v2 in the
second, ...) into namespace sample so that there are endpoints to follow, and
removes it afterwards unless --keep-sample.

Exit status: 0 when the mesh is proven (warnings allowed), 3 when something is
missing (each failure names the cluster and the reason), 2 for usage errors.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerify(cmd, g, o, s) },
	}
	o.add(cmd, "mesh config file: verify its clusters (and their networks)")
	f := cmd.Flags()
	f.BoolVar(&o.sample, "sample", false, "deploy the helloworld sample (namespace sample) first")
	f.BoolVar(&o.keepSample, "keep-sample", false, "with --sample: keep the sample afterwards")
	f.StringArrayVar(&o.addresses, "istiod-address", nil, "istiod's debug address for a context, as CONTEXT=127.0.0.1:PORT (test beds; default: port-forward)")
	f.DurationVar(&o.settle, "settle", time.Minute, "how long to wait for istiod to sync every cluster and endpoint before reporting")
	return cmd
}

// selectClients returns a client per selected cluster: those of --config
// (and the config), or of --context (default: the current context).
func selectClients(g *globalOptions, config string) ([]*kube.Client, *mesh.Config, error) {
	var contexts []string
	var cfg *mesh.Config
	if config != "" {
		if len(g.contexts) > 0 {
			return nil, nil, usagef("--config and --context both select clusters: use one")
		}
		var err error
		if cfg, err = loadMesh(g, config); err != nil {
			return nil, nil, err
		}
		for _, cl := range cfg.Clusters {
			contexts = append(contexts, cl.Context)
		}
	} else {
		var err error
		if contexts, err = selectedContexts(g); err != nil {
			return nil, nil, err
		}
	}
	var clients []*kube.Client
	for _, c := range contexts {
		client, err := g.loader().NewClient(c)
		if err != nil {
			return nil, nil, usageError{err}
		}
		clients = append(clients, client)
	}
	return clients, cfg, nil
}

func runVerify(cmd *cobra.Command, g *globalOptions, o *verifyOptions, s streams) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	if o.keepSample && !o.sample {
		return usagef("--keep-sample needs --sample")
	}
	if o.settle <= 0 {
		return usagef("--settle %v: give a positive duration", o.settle)
	}
	clients, cfg, err := selectClients(g, o.config)
	if err != nil {
		return err
	}
	a := &action.Verify{Clients: clients, Config: cfg, Sample: o.sample, KeepSample: o.keepSample, Settle: o.settle, Kubeconfigs: g.loader().Files()}
	if len(o.addresses) > 0 {
		var contexts []string
		for _, c := range clients {
			contexts = append(contexts, c.Context)
		}
		if a.Addresses, err = pairs("istiod-address", o.addresses, contexts); err != nil {
			return err
		}
	}
	reacher, source, err := a.Reach()
	if err != nil {
		return err
	}
	if _, sandbox := reacher.(*verify.Sandbox); sandbox {
		fmt.Fprintln(s.Err, source)
	}
	a.Reacher = reacher
	sum, err := a.Run(cmd.Context(), nil)
	if err != nil {
		return err
	}
	if err := renderReadOnly(s, o.output, sum); err != nil {
		return err
	}
	return readOnlyExit(cmd, sum, "verify step")
}
