//go:build !unix

package runner

import "os"

// lockOut does nothing where flock is not available.
func lockOut(f *os.File, path string) error { return nil }
