package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/dojo-rl/dojo/protocol"
)

// cmdServe serves the registry over JSON-RPC on stdin and stdout (package
// protocol documents the methods). Logs go to stderr.
func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "serve", "[--max-envs N] [--max-line-bytes N] [--parallel N] [--log-level L]")
	maxEnvs := fs.Int("max-envs", protocol.DefaultMaxEnvs, "envs a session may have open at once")
	maxLine := fs.Int("max-line-bytes", protocol.DefaultMaxLineBytes, "longest request line accepted, in bytes")
	parallel := fs.Int("parallel", 0, "envs env/stepMany steps at once (0: GOMAXPROCS)")
	logLevel := fs.String("log-level", "warn", "log level on stderr: debug, info, warn or error")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments, got %q (it reads requests on stdin)", pos)
	}
	if *maxEnvs < 1 || *maxLine < 1 || *parallel < 0 {
		return usagef("--max-envs and --max-line-bytes must be positive and --parallel 0 or more")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	srv := &protocol.Server{
		Registry:     a.reg,
		Log:          slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level})),
		MaxLineBytes: *maxLine,
		MaxEnvs:      *maxEnvs,
		Parallelism:  *parallel,
		Version:      version(),
	}
	err = srv.Serve(ctx, os.Stdin, a.stdout)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // interrupted: the envs are closed, a clean end
	}
	return err
}

// version is the module version dojo was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "dev"
}
