// Command dojo-load holds many WebSocket sessions open against a dojo
// network server (dojo serve --listen) and measures step latency under
// load: every session steps its env once a period (resetting when an
// episode ends), at phases spread over the period.
//
//	dojo-load --url ws://127.0.0.1:8000 --sessions 10000 --duration 60s
//	dojo-load --url ws://127.0.0.1:8000 --protocol rpc --sessions 1000
//	dojo-load --url ws://HOST:8000 --token T --pid 1234   (server RSS too)
//
// It prints latency percentiles of steps, resets and connects, the step
// rate, the rate sessions were set up at, late ticks and errors, as a table or (--json) as JSON, and exits 1
// when any request failed. Each session needs a file descriptor here and
// one in the server: raise ulimit -n past the session count on both sides.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dojo-rl/dojo/internal/loadgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dojo-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadgen.Config
	fs.StringVar(&cfg.URL, "url", "ws://127.0.0.1:8000", "the server's base URL (ws://HOST:PORT, with /t/TOKEN to send the token in the path)")
	fs.StringVar(&cfg.Token, "token", os.Getenv("DOJO_TOKEN"), "the server's token, sent as Authorization: Bearer (default $DOJO_TOKEN)")
	fs.StringVar(&cfg.Protocol, "protocol", "openenv", "wire protocol: openenv (/envs/ID/ws) or rpc (dojo's JSON-RPC at /rpc)")
	fs.StringVar(&cfg.Engine, "engine", "", "how connected sessions are served: loop (one goroutine over epoll; the default on Linux, the cheapest for the machine the server shares) or goroutines (one per session)")
	fs.StringVar(&cfg.Env, "env", "gridworld/FrozenLake-v1", "env id")
	fs.IntVar(&cfg.Actions, "actions", 4, "discrete actions to draw from")
	fs.IntVar(&cfg.Sessions, "sessions", 1000, "concurrent sessions")
	fs.DurationVar(&cfg.Period, "period", time.Second, "each session's time between steps")
	fs.DurationVar(&cfg.Ramp, "ramp", 0, "spread the connects over this long (default sessions/2000 s, at least 1s)")
	fs.DurationVar(&cfg.Settle, "settle", 2*time.Second, "how long every session stays connected and idle before the first step")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to step once every session is connected")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "deadline of each request")
	pid := fs.Int("pid", 0, "the server's process id, to report its resident memory (Linux)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dojo-load: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var rss struct {
		Before, Connected, End int64 // KiB
	}
	if *pid > 0 {
		var err error
		if rss.Before, err = residentKiB(*pid); err != nil {
			fmt.Fprintf(stderr, "dojo-load: --pid %d: %v\n", *pid, err)
			return 2
		}
	}
	cfg.Progress = func(steps, connected int64) {
		if *pid > 0 && rss.Connected == 0 && connected == int64(cfg.Sessions) && steps == 0 {
			rss.Connected, _ = residentKiB(*pid)
		}
		if !*quiet {
			fmt.Fprintf(stderr, "dojo-load: %d sessions connected, %d steps\n", connected, steps)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "dojo-load: %v\n", err)
		return 2
	}
	if *pid > 0 {
		rss.End, _ = residentKiB(*pid)
	}
	if *asJSON {
		out := struct {
			*loadgen.Result
			RSSBeforeKiB    int64 `json:"server_rss_before_kib,omitempty"`
			RSSConnectedKiB int64 `json:"server_rss_connected_kib,omitempty"`
			RSSEndKiB       int64 `json:"server_rss_end_kib,omitempty"`
		}{res, rss.Before, rss.Connected, rss.End}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprintf(stdout, "%s on %s: %d sessions (%d connected), a step each per %v, %.1f s (%s engine)\n",
			res.Protocol, res.Env, res.Sessions, res.Connected, res.Period, res.Elapsed.Seconds(), res.Engine)
		fmt.Fprintf(stdout, "%-9s %9s %9s %9s %9s %9s %9s\n", "", "count", "p50", "p90", "p99", "p99.9", "max")
		for _, r := range []struct {
			name string
			l    loadgen.Latencies
		}{{"step", res.Steps}, {"reset", res.Resets}, {"connect", res.Connect}, {"1st reset", res.FirstReset}} {
			fmt.Fprintf(stdout, "%-9s %9d %9s %9s %9s %9s %9s\n", r.name, r.l.Count, ms(r.l.P50), ms(r.l.P90), ms(r.l.P99), ms(r.l.P999), ms(r.l.Max))
		}
		fmt.Fprintf(stdout, "steps/s %.0f, late ticks %d, errors %d\n", res.StepsPerSecond, res.Late, res.ErrorCount)
		fmt.Fprintf(stdout, "sessions set up in %.2f s: %.0f sessions/s\n", res.SetUp.Seconds(), res.SessionsPerSecond)
		if *pid > 0 {
			fmt.Fprintf(stdout, "server RSS: %.1f MiB before, %.1f MiB with every session connected and idle (%.1f KiB a session), %.1f MiB at the end\n",
				float64(rss.Before)/1024, float64(rss.Connected)/1024, float64(rss.Connected-rss.Before)/float64(max(res.Connected, 1)), float64(rss.End)/1024)
		}
		for msg, n := range res.Errors {
			fmt.Fprintf(stdout, "  %d× %s\n", n, msg)
		}
	}
	if res.ErrorCount > 0 || res.Connected < res.Sessions {
		return 1
	}
	return 0
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) + "ms"
}

// residentKiB reads a process's resident set size from /proc.
func residentKiB(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
