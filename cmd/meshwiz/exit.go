package main

import (
	"errors"
	"fmt"
)

// Exit codes, documented in the README's command reference.
const (
	exitOK           = 0   // success (warnings allowed)
	exitError        = 1   // the command failed
	exitUsage        = 2   // bad flags, arguments or input files
	exitChecksFailed = 3   // a diagnostic check failed (meshwiz check)
	exitAborted      = 130 // interrupted by the user (Ctrl-C)
)

// usageError marks an error caused by the command line, not by the clusters.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitError carries an explicit exit code (e.g. checks failed) with a message
// that has already been printed, or none.
type codeError struct {
	code int
	err  error
}

func (e codeError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e codeError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ue usageError
	var ce codeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errAborted):
		return exitAborted
	}
	return exitError
}
