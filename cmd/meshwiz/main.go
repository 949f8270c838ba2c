// Command meshwiz takes a platform engineer from "I have two or more
// Kubernetes clusters" to "they form one Istio service mesh", safely, and back
// again. With no arguments in a terminal it opens the wizard; sub-commands run
// the same engine without the UI.
//
// main is the only place that exits; every command returns an error that
// exitCode maps to a documented exit status.
package main

import (
	"context"
	"flag"
	"io"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

func main() {
	quietClientGo()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}

// quietClientGo keeps client-go's own logging and API server warnings off the
// terminal: meshwiz reports what matters through its renderers, and stray
// lines would break the wizard's screen and the JSON output.
func quietClientGo() {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
}
