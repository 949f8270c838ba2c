//go:build !unix

package kube

import "os/exec"

// ownProcessGroup leaves cmd as is: cancellation kills the plugin's process.
func ownProcessGroup(*exec.Cmd) {}
