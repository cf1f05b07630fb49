package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/dojo-rl/dojo/mcpserver"
)

// cmdMCP serves the tool envs as an MCP server on stdin and stdout
// (package mcpserver documents the tools). Stdout carries JSON-RPC only;
// logs go to stderr.
func cmdMCP(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "mcp", "[--env PATTERN]... [--max-episodes N] [--idle-timeout D] [--step-timeout D] [--log-level L]")
	var patterns optFlags
	fs.Var(&patterns, "env", "serve only the envs matching this pattern (path.Match: toolcall/*, sql/HR-v0; repeatable, or comma-separated)")
	maxEpisodes := fs.Int("max-episodes", mcpserver.DefaultMaxEpisodes, "episodes open at once")
	idle := fs.Duration("idle-timeout", mcpserver.DefaultIdleTimeout, "close an episode after this long without a call")
	step := fs.Duration("step-timeout", mcpserver.DefaultStepTimeout, "longest reset or step; an episode whose step overruns is closed")
	logLevel := fs.String("log-level", "warn", "log level on stderr: debug, info, warn or error")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("mcp takes no arguments, got %q (it reads MCP messages on stdin)", pos)
	}
	if *maxEpisodes < 1 || *idle <= 0 || *step <= 0 {
		return usagef("--max-episodes, --idle-timeout and --step-timeout must be positive")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	var envs []string
	for _, p := range patterns {
		for _, x := range strings.Split(p, ",") {
			if x = strings.TrimSpace(x); x != "" {
				envs = append(envs, x)
			}
		}
	}
	srv, err := mcpserver.New(mcpserver.Config{
		Registry:    a.reg,
		Envs:        envs,
		MaxEpisodes: *maxEpisodes,
		IdleTimeout: *idle,
		StepTimeout: *step,
		Version:     version(),
		Log:         slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		return err
	}
	out := a.stdout
	if f, ok := out.(*os.File); ok && f == os.Stdout {
		// Only JSON-RPC may reach stdout: anything else in the process
		// that writes to os.Stdout goes to stderr instead.
		os.Stdout = os.Stderr
		defer func() { os.Stdout = f }()
	}
	err = srv.ServeStdio(ctx, os.Stdin, out)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // interrupted: a clean end
	}
	return err
}
