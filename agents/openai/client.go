package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dojo-rl/dojo"
)

// failure is why one request attempt failed.
type failure struct {
	msg   string
	retry bool          // transient: worth another attempt
	after time.Duration // the server's Retry-After, when retry and given
	code  int           // HTTP status, 0 for none
	// unreachable: the server was not reached (no HTTP response).
	unreachable bool
}

// stats counts an episode's attempts.
type stats struct {
	retries float64
}

// complete POSTs body until a completion comes back, retrying transient
// failures. turn numbers the assistant turn for patched tool-call ids.
func (a *Agent) complete(ctx context.Context, body []byte, turn int, rng *rand.Rand, st *stats) (*reply, error) {
	for attempt := 0; ; attempt++ {
		if e := a.fatal.Load(); e != nil {
			return nil, *e
		}
		rep, f := a.attempt(ctx, body, turn)
		if f == nil {
			a.succeeded.Store(true)
			return rep, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, ctxError(err, "during "+f.msg)
		}
		if !f.retry {
			if f.code == http.StatusUnauthorized || f.code == http.StatusForbidden || f.code == http.StatusNotFound {
				return nil, a.giveUp(dojo.Errorf(dojo.CodeInvalid, "%s (check the base URL, --model and the API key: DOJO_API_KEY or OPENAI_API_KEY)", f.msg).WithField("agent"))
			}
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s", f.msg)
		}
		deadline, unreachable := a.unreachable(f)
		if unreachable {
			return nil, a.giveUp(dojo.Errorf(dojo.CodeUnavailable, "%s: no request has succeeded and the server has been unreachable for %v: is it up, and is the base URL right?", f.msg, a.cfg.UnreachableAfter))
		}
		if attempt >= a.cfg.Retries {
			return nil, dojo.Errorf(dojo.CodeUnavailable, "%s (gave up after %d attempts)", f.msg, attempt+1)
		}
		st.retries++
		a.addTotals("retries", 1)
		d := f.after
		if d <= 0 {
			d = a.backoff(attempt, rng)
		}
		if !deadline.IsZero() {
			// Try once more when the server has been unreachable for
			// the whole window, rather than after it.
			d = max(min(d, deadline.Sub(a.now())), 0)
		}
		if err := a.sleep(ctx, d); err != nil {
			return nil, ctxError(err, "while waiting to retry after "+f.msg)
		}
	}
}

// unreachable keeps the clock of Config.UnreachableAfter after a failed
// attempt. While no request has succeeded, deadline is when the server will
// have been unreachable for the whole window, if that is still to come
// (zero otherwise), and unreachable reports that this failure to reach the
// server is at or past it.
func (a *Agent) unreachable(f *failure) (deadline time.Time, unreachable bool) {
	if a.cfg.UnreachableAfter < 0 || a.succeeded.Load() {
		return time.Time{}, false
	}
	now := a.now()
	if f.unreachable {
		a.firstUnreachable.CompareAndSwap(0, now.UnixNano())
	}
	first := a.firstUnreachable.Load()
	if first == 0 {
		return time.Time{}, false
	}
	deadline = time.Unix(0, first).Add(a.cfg.UnreachableAfter)
	if now.Before(deadline) {
		return deadline, false
	}
	return time.Time{}, f.unreachable
}

// giveUp marks err fatal, keeps the first such error for every later
// attempt and episode, and returns it.
func (a *Agent) giveUp(err *dojo.Error) error {
	fatal := dojo.Fatal(err)
	a.fatal.CompareAndSwap(nil, &fatal)
	return *a.fatal.Load()
}

// backoff is the wait before retry attempt+1: the exponential delay capped
// at MaxRetryDelay, jittered into its upper half.
func (a *Agent) backoff(attempt int, rng *rand.Rand) time.Duration {
	d := a.cfg.MaxRetryDelay
	if attempt < 40 {
		d = min(a.cfg.RetryDelay<<attempt, a.cfg.MaxRetryDelay)
	}
	return d/2 + time.Duration(rng.Float64()*float64(d/2))
}

func ctxError(err error, during string) error {
	code := dojo.CodeCanceled
	if errors.Is(err, context.DeadlineExceeded) {
		code = dojo.CodeTimeout
	}
	return &dojo.Error{Code: code, Err: err, Msg: fmt.Sprintf("openai: %v %s", err, during)}
}

// attempt makes one request. It returns the reply, or why it failed.
func (a *Agent) attempt(ctx context.Context, body []byte, turn int) (*reply, *failure) {
	where := "openai: POST " + a.endpoint
	if a.sem != nil {
		select {
		case a.sem <- struct{}{}:
			defer func() { <-a.sem }()
		case <-ctx.Done():
			return nil, &failure{msg: where + ": waiting for a free request slot"}
		}
	}
	if a.limit != nil {
		if a.limit.wait(ctx, a.sleep) != nil {
			return nil, &failure{msg: where + ": waiting for the request rate limit (--rps)"}
		}
	}
	actx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, a.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &failure{msg: fmt.Sprintf("%s: %v", where, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "dojo")
	if a.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+a.cfg.APIKey)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			return nil, &failure{msg: fmt.Sprintf("%s: no answer within %v", where, a.cfg.Timeout), retry: true, unreachable: true}
		}
		return nil, &failure{msg: fmt.Sprintf("%s: %v", where, unwrapURL(err)), retry: true, unreachable: true}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &failure{msg: fmt.Sprintf("%s: %s: reading the body: %v", where, resp.Status, unwrapURL(err)), retry: true}
	}
	if len(data) > maxBody {
		return nil, &failure{msg: fmt.Sprintf("%s: %s: body over %d MiB", where, resp.Status, maxBody>>20), retry: true}
	}
	if resp.StatusCode/100 == 2 {
		rep, err := parseCompletion(data, turn)
		if err != nil {
			return nil, &failure{msg: fmt.Sprintf("%s: %v", where, err), retry: true}
		}
		return rep, nil
	}
	f := &failure{code: resp.StatusCode, msg: fmt.Sprintf("%s: %s: %s", where, resp.Status, serverMessage(data))}
	switch c := resp.StatusCode; {
	case c == http.StatusRequestTimeout, c == http.StatusConflict, c == http.StatusTooManyRequests, c >= 500:
		f.retry = true
		f.after, _ = retryAfter(resp.Header, time.Now())
	}
	return nil, f
}

// unwrapURL drops the "Post URL:" prefix *url.Error repeats.
func unwrapURL(err error) error {
	var u interface{ Unwrap() error }
	if errors.As(err, &u) && strings.HasPrefix(err.Error(), "Post ") {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// retryAfter reads how long the server asks to wait: retry-after-ms
// (milliseconds), else Retry-After (seconds or an HTTP date). Only waits in
// (0, 60s] are honoured, as by OpenAI's Python client.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	var d time.Duration
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil || !(ms >= 0 && ms <= 1e9) {
			return 0, false
		}
		d = time.Duration(ms * float64(time.Millisecond))
	} else if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil {
			if !(s >= 0 && s <= 1e6) {
				return 0, false
			}
			d = time.Duration(s * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		} else {
			return 0, false
		}
	} else {
		return 0, false
	}
	if d <= 0 || d > maxRetryAfter {
		return 0, false
	}
	return d, true
}
