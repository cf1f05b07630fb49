package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dojo-rl/dojo/runner"
)

// The window is the program dojo-viewer (cmd/dojo-viewer): its window
// library needs a display from the moment it starts, so dojo itself stays
// free of it and runs anywhere.
const viewerHelp = "the window is the program dojo-viewer, which was not found (looked for $DOJO_VIEWER, dojo-viewer beside this dojo, and on PATH): build it with `make viewer` or `go build -tags ebiten -o bin/dojo-viewer ./cmd/dojo-viewer`, which needs cgo and the X11 and OpenGL headers (Debian: apt-get install gcc libx11-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libgl1-mesa-dev libxxf86vm-dev); without it, `dojo render RUN.jsonl --out run.gif` draws episodes"

// findViewer returns the path of dojo-viewer: $DOJO_VIEWER, else the one
// beside this executable, else the one on PATH.
func findViewer() (string, error) {
	if p := os.Getenv("DOJO_VIEWER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", usagef("DOJO_VIEWER=%s: %v", p, err)
		}
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "dojo-viewer")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("dojo-viewer"); err == nil {
		return p, nil
	}
	return "", usagef("%s", viewerHelp)
}

// startViewer starts dojo-viewer on args; it is stopped with ctx.
func startViewer(ctx context.Context, a *app, args ...string) (*exec.Cmd, error) {
	path, err := findViewer()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = a.stderr, a.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	return cmd, nil
}

// viewerExit turns the viewer's end into dojo's: its own usage errors
// (a viewer built without the window) stay usage errors.
func viewerExit(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return usagef("dojo-viewer could not open its window (see above)")
	}
	if err != nil {
		return fmt.Errorf("dojo-viewer: %w", err)
	}
	return nil
}

func cmdWatch(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "watch", "RUN.jsonl [--no-follow]")
	noFollow := fs.Bool("no-follow", false, "show the file as it is, without waiting for episodes a running dojo run appends to it")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one episode file (dojo watch RUN.jsonl), got %d arguments", len(pos))
	}
	if _, err := os.Stat(pos[0]); err != nil {
		return err
	}
	vargs := []string{pos[0]}
	if *noFollow {
		vargs = []string{"--no-follow", pos[0]}
	}
	cmd, err := startViewer(ctx, a, vargs...)
	if err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil && ctx.Err() == nil {
		return viewerExit(err)
	}
	return nil
}

// runWatched runs cfg with its episodes shown by dojo-viewer as they
// finish: the runner appends each episode to the output file when it ends
// (a file in the temporary folder when --out is not given) and the viewer
// follows the file. The summary is printed when the run ends; the command
// returns when the window is closed too. Closing the window early does not
// stop the run (Ctrl-C does, and closes the window).
func runWatched(ctx context.Context, a *app, cfg runner.Config, report func(*runner.Summary, error) error) error {
	if cfg.NoSteps {
		return usagef("--watch shows the steps of episodes: it cannot go with --no-steps")
	}
	if _, err := findViewer(); err != nil {
		return err
	}
	if cfg.Out == "" {
		f, err := os.CreateTemp("", "dojo-run-*.jsonl")
		if err != nil {
			return err
		}
		f.Close()
		cfg.Out = f.Name()
		fmt.Fprintf(a.stderr, "dojo run: recording the episodes to %s for the viewer\n", cfg.Out)
	} else {
		// The viewer opens the file before the runner writes it.
		f, err := os.OpenFile(cfg.Out, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return dojoErrOut(err)
		}
		f.Close()
	}
	cmd, err := startViewer(ctx, a, cfg.Out)
	if err != nil {
		return err
	}
	rerr := report(runner.Run(ctx, cfg))
	if ctx.Err() == nil {
		fmt.Fprintln(a.stderr, "dojo run: done; close the viewer's window to return")
	}
	werr := cmd.Wait()
	if rerr != nil {
		return rerr
	}
	if ctx.Err() == nil {
		return viewerExit(werr)
	}
	return nil
}

func dojoErrOut(err error) error { return fmt.Errorf("output file: %w", err) }
