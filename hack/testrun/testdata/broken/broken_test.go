package broken

import "testing"

// This package does not compile (for TestBuildFallsBackPerPackage).
func TestBroken(t *testing.T) { undefined() }
