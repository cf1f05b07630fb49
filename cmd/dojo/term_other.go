//go:build !unix

package main

import "io"

// termWidth returns 0: the width of a terminal is known on Unix only, and
// live lines are then not cut.
func termWidth(w io.Writer) int { return 0 }
