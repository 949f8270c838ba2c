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
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
