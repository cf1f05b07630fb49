// Package display stops a program that needs a window, when there is no
// display to open one on, with a message rather than the window library's
// panic. Importing it for its side effect is enough: its import path sorts
// before the window library's (github.com/hajimehoshi/ebiten), so Go
// initializes it first, before that library looks for the display.
package display

import (
	"fmt"
	"os"
	"runtime"
)

func init() {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" && runtime.GOOS != "netbsd" {
		return
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintf(os.Stderr, "%s: no display to open a window on (DISPLAY is not set); on a machine without one, run it under xvfb-run, or draw episodes with dojo render RUN.jsonl --out run.gif\n", progName())
		os.Exit(2)
	}
}

func progName() string {
	if len(os.Args) > 0 {
		name := os.Args[0]
		for i := len(name) - 1; i >= 0; i-- {
			if name[i] == '/' {
				return name[i+1:]
			}
		}
		return name
	}
	return "the viewer"
}
