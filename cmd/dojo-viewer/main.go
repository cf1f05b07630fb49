// Command dojo-viewer replays recorded episodes in a window: play and
// pause, step forward and back, change speed, move between episodes and
// jump to failed ones, with the keys shown on screen. It follows the file,
// so episodes that a running `dojo run --out FILE` appends appear as they
// finish.
//
//	dojo-viewer [--no-follow] RUN.jsonl
//
// `dojo watch RUN.jsonl` and `dojo run ... --watch` start it. It is a
// program of its own because the window system library it uses (ebiten,
// through cgo, X11 and OpenGL) needs a display as soon as it starts,
// which would stop every other dojo command from running on a headless
// machine. Build it with the ebiten tag:
//
//	go build -tags ebiten -o bin/dojo-viewer ./cmd/dojo-viewer   (make viewer)
//
// which needs a C compiler and, on Debian, libx11-dev libxrandr-dev
// libxcursor-dev libxinerama-dev libxi-dev libgl1-mesa-dev
// libxxf86vm-dev. Built without the tag it only says so.
//
// Exit status: 0 when the window is closed, 1 when it fails, 2 for a
// usage error or a build without the viewer.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/dojo-rl/dojo/render/viewer"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("dojo-viewer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	noFollow := fs.Bool("no-follow", false, "show the file as it is, without waiting for episodes appended to it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dojo-viewer [--no-follow] RUN.jsonl")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "dojo-viewer: want one episode file (dojo-viewer RUN.jsonl), got %d arguments\n", fs.NArg())
		return 2
	}
	if !built {
		fmt.Fprintln(stderr, "dojo-viewer: "+buildHelp)
		return 2
	}
	path := fs.Arg(0)
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "dojo-viewer: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	live, note := viewer.Follow(ctx, path, !*noFollow, 0)
	err := show(viewer.Config{Title: "dojo " + path, Source: path, Live: live, LiveDone: note, Stop: ctx.Done()})
	if err != nil {
		fmt.Fprintf(stderr, "dojo-viewer: %v\n", err)
		return 1
	}
	return 0
}

// buildHelp says how to build the viewer.
const buildHelp = "this dojo-viewer was built without the window (the ebiten build tag): build it with `go build -tags ebiten -o bin/dojo-viewer ./cmd/dojo-viewer` (make viewer), which needs cgo and the X11 and OpenGL headers (Debian: apt-get install gcc libx11-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libgl1-mesa-dev libxxf86vm-dev); without it, `dojo render RUN.jsonl --out run.gif` draws episodes"
