package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/server"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// cmdServe serves the registry over JSON-RPC on stdin and stdout (package
// protocol documents the methods), or with --listen over the network
// (package server). Logs go to stderr.
func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "serve", "[--listen ADDR [--token T] [--data-dir D] ...] [--max-envs N] [--max-line-bytes N] [--parallel N] [--step-timeout D] [--log-level L]")
	maxEnvs := fs.Int("max-envs", protocol.DefaultMaxEnvs, "envs a session may have open at once")
	memBudget := fs.String("memory-budget", "2GiB", "memory the envs of a session are estimated to take, at most (e.g. 512MiB, 4GiB; 0: no budget); env/make past it fails")
	maxLine := fs.Int("max-line-bytes", protocol.DefaultMaxLineBytes, "longest request line accepted on stdin, in bytes")
	parallel := fs.Int("parallel", 0, "envs env/stepMany steps at once (0: GOMAXPROCS)")
	stepTimeout := fs.Duration("step-timeout", 0, "deadline of each reset, step and task/verify, e.g. 30s (0: none)")
	logLevel := fs.String("log-level", "", "log level on stderr: debug, info, warn or error (default warn, info with --listen)")
	listen := fs.String("listen", "", "serve over HTTP and WebSocket on ADDR (\":8000\" binds 127.0.0.1:8000; give a host such as 0.0.0.0 to bind others) instead of stdio")
	token := fs.String("token", "", "with --listen: the token every route but /health requires (default $DOJO_TOKEN)")
	maxSessions := fs.Int("max-sessions", server.DefaultMaxSessions, "with --listen: live sessions at once, over every transport")
	idle := fs.Duration("idle-timeout", server.DefaultIdleTimeout, "with --listen: close a session idle this long (no message, nothing in flight)")
	maxMsg := fs.Int("max-message-bytes", server.DefaultMaxMessageBytes, "with --listen: largest WebSocket message or POST body, in bytes")
	dataDir := fs.String("data-dir", "", "with --listen: the only directory file-path options (sql's path, map_file, corpus...) may name; without it only their defaults are served")
	var origins stringList
	fs.Var(&origins, "allow-origin", "with --listen: a browser origin allowed to connect (\"https://host\", a host pattern such as \"localhost:*\", or \"*\"); repeatable")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments, got %q (it reads requests on stdin, or serves --listen ADDR)", pos)
	}
	if *maxEnvs < 1 || *maxLine < 1 || *parallel < 0 || *stepTimeout < 0 {
		return usagef("--max-envs and --max-line-bytes must be positive, --parallel and --step-timeout 0 or more")
	}
	budget, err := protocol.ParseBytes(*memBudget)
	if err != nil {
		return usagef("--memory-budget: %v", err)
	}
	if budget == 0 {
		budget = -1 // none
	}
	if *logLevel == "" {
		*logLevel = "warn"
		if *listen != "" {
			*logLevel = "info"
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	if *listen == "" {
		netOnly := []string{"token", "max-sessions", "idle-timeout", "max-message-bytes", "data-dir", "allow-origin"}
		for _, name := range netOnly {
			if flagSet(fs, name) {
				return usagef("--%s applies to --listen only", name)
			}
		}
		srv := &protocol.Server{
			Registry:     a.reg,
			Log:          log,
			MaxLineBytes: *maxLine,
			MaxEnvs:      *maxEnvs,
			MemoryBudget: budget,
			Parallelism:  *parallel,
			Version:      version(),
			StepTimeout:  *stepTimeout,
		}
		// A client that goes away is a failed write that ends the
		// session with an error (exit 1), not a death by SIGPIPE.
		signal.Ignore(syscall.SIGPIPE)
		err = srv.Serve(ctx, os.Stdin, a.stdout)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return nil // interrupted: the envs are closed, a clean end
		}
		return err
	}

	if *maxSessions < 1 || *maxMsg < 1 || *idle < 0 {
		return usagef("--max-sessions and --max-message-bytes must be positive, --idle-timeout 0 or more")
	}
	if !flagSet(fs, "token") {
		*token = os.Getenv("DOJO_TOKEN")
	}
	if *idle == 0 {
		*idle = -1 // never
	}
	srv, err := server.New(server.Config{
		Registry:        a.reg,
		Token:           *token,
		AllowedOrigins:  origins,
		MaxSessions:     *maxSessions,
		IdleTimeout:     *idle,
		MaxMessageBytes: *maxMsg,
		StepTimeout:     *stepTimeout,
		DataDir:         *dataDir,
		Log:             log,
		Version:         version(),
		MaxEnvs:         *maxEnvs,
		MemoryBudget:    budget,
		Parallelism:     *parallel,
	})
	if err != nil {
		return usagef("%v", err)
	}
	return srv.ListenAndServe(ctx, *listen, func(addr net.Addr) {
		if w := listenWarning(addr, *token); w != "" {
			fmt.Fprintln(a.stderr, w)
		}
		fmt.Fprintf(a.stderr, "listening on %s\n", addr)
	})
}

// listenWarning is the warning for serving on addr without a token, ""
// when there is none: on loopback, or with a token.
func listenWarning(addr net.Addr, token string) string {
	if token != "" || server.IsLoopback(addr) {
		return ""
	}
	return fmt.Sprintf("warning: listening on %s, beyond this machine, without a token: anyone who can reach it can use it (set --token or DOJO_TOKEN)", addr)
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs interface{ Visit(func(*flag.Flag)) }, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// version is the module version dojo was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "dev"
}
