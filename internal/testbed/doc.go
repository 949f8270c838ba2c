// Package testbed runs real Kubernetes control planes on loopback, without
// Docker, for meshwiz's tests and for the hand-run sandbox (hack/sandbox).
//
// A Bed is one to four clusters started by one call to Start. Each cluster is
// a real kube-apiserver, kube-controller-manager and kube-scheduler (built from
// k8s.io/kubernetes by hack/testbed/build.sh) plus a kwok controller that
// plays the kubelets of fake nodes, so Deployments really become Available:
// the deployment, replica-set and scheduler logic is upstream code and kwok
// turns scheduled pods Running and Ready with IPs from their node's podCIDR.
// All clusters of a Bed share one etcd, each apiserver under its own
// --etcd-prefix. Every cluster has its own CA and admin identity, so the
// clusters are as separate as real ones (distinct kube-system UIDs, a CA that
// does not verify another cluster's serving certificate).
//
// # Layout of the work directory
//
//	<Dir>/kubeconfig                 one context per cluster (+ "<name>-restricted")
//	<Dir>/pids                       "<pid> <cluster>-<component> <binary>" per process
//	<Dir>/logs/etcd.log              the shared etcd
//	<Dir>/logs/<cluster>-<component>.log   kube-apiserver, kube-controller-manager,
//	                                 kube-scheduler, kwok
//	<Dir>/etcd/                      etcd data (--unsafe-no-fsync)
//	<Dir>/clusters/<name>/pki/       CA, serving and client certificates, SA keys,
//	                                 token file, component kubeconfigs
//
// # Network rule
//
// Every byte goes to loopback (127.0.0.0/8), without exception. etcd and the
// apiservers listen on 127.0.0.1 on free ports; the controller manager and
// scheduler run with --secure-port=0 and kwok serves nothing. Service CIDRs
// must lie in 127.0.0.0/8 (other ranges are rejected) because kube-apiserver
// dials a webhook Service's ClusterIP: with a 127.x range such a call stays
// on loopback and fails at once (or reaches a fake webhook a test serves on
// that address) instead of sending packets to a private 10.x address. Pod
// CIDRs (10.244+i.0.0/16 by default) are data only: EndpointSlices reject
// loopback pod IPs, and nothing in the bed ever dials a pod IP (for the same
// reason --enable-aggregator-routing is never set, and fake nodes carry no
// address). Fake load-balancer IPs (127.0.<10+i>.<n>) are data as well.
//
// # Admission webhooks
//
// By default kube-apiserver runs with
// --disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook:
// the services behind Istio's sidecar-injector and validation webhooks have no
// reachable endpoints here, and with failurePolicy Fail they would block pod
// (and Istio resource) creation. ClusterSpec.KeepWebhooks leaves the plugins
// on, for tests that serve a fake webhook on a Service's 127.x ClusterIP.
// When APIServerFlags switch admissionregistration.k8s.io/v1 off, the webhook
// and admission-policy plugins are disabled too (kube-apiserver 1.34 otherwise
// dies a few seconds after /readyz), and Start checks that the apiserver is
// still alive a few seconds after it first became ready.
//
// # Processes
//
// Every process is started by Start and stopped by PID in Bed.Stop (SIGTERM,
// then SIGKILL after 5 s); a test may stop and restart one cluster's
// apiserver (Cluster.StopAPIServer, StartAPIServer: same port and flags) to
// prove that work resumes after an outage. In test mode the children get Pdeathsig=SIGKILL and
// their own process group, so a test binary that crashes or is killed takes
// them along. In Detached mode (the sandbox) they get their own session and
// survive their parent; hack/sandbox stops them through the pids file.
//
// Tests use Main from TestMain and Shared to reach the bed. Main never skips:
// if the bed cannot start, the test binary fails with the reason.
package testbed
