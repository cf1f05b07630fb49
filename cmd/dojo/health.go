package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// defaultHealthURL is where `dojo serve --listen :8000` answers health
// probes, seen from inside its own container or host.
const defaultHealthURL = "http://127.0.0.1:8000/health"

// cmdHealth probes a network server's /health and exits 0 when it answers
// 200 {"status":"healthy"}, 1 otherwise: the container health check of
// images that have no shell or curl (FROM scratch).
func cmdHealth(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "health", "[URL] [--timeout D]   (URL default "+defaultHealthURL+")")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	quiet := fs.Bool("quiet", false, "print nothing when healthy")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("health takes one URL, got %q", pos)
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive, got %v", *timeout)
	}
	target := defaultHealthURL
	if len(pos) == 1 {
		target = pos[0]
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("health: %q is not an http:// or https:// URL (e.g. %s)", target, defaultHealthURL)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return usagef("health: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", u.Redacted(), err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %.200s", u.Redacted(), resp.Status, body)
	}
	var h struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &h); err != nil || h.Status != "healthy" {
		return fmt.Errorf("%s answered 200 without {\"status\":\"healthy\"}: %.200s", u.Redacted(), body)
	}
	if !*quiet {
		fmt.Fprintf(a.stdout, "%s: healthy\n", u.Redacted())
	}
	return nil
}
