package openai

import (
	"context"
	"sync"
	"time"
)

// limiter is a token bucket: tokens come at rate a second, up to burst
// of them saved; each request takes one, waiting for it when the bucket is
// empty. It keeps the bucket as the time its level would be zero
// ("theoretical arrival time" in the GCRA form of the bucket): requests
// wait in the order they ask.
type limiter struct {
	interval time.Duration // between two tokens: 1/rate
	burst    int
	now      func() time.Time

	mu   sync.Mutex
	next time.Time // when the request after the last reserved one is due, bucket empty
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{
		interval: time.Duration(float64(time.Second) / rate),
		burst:    max(burst, 1),
		now:      time.Now,
	}
}

// reserve takes a token and returns how long to wait before using it.
// With a full bucket of burst tokens, burst requests go at once; after
// that one goes every interval.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	due := l.next
	if due.Before(now) {
		due = now
	}
	l.next = due.Add(l.interval)
	// A full bucket lets a request go burst-1 intervals ahead of its turn.
	at := due.Add(-time.Duration(l.burst-1) * l.interval)
	if at.Before(now) {
		return 0
	}
	return at.Sub(now)
}

// wait takes a token, sleeping with sleep until it is due. A canceled ctx
// stops the wait at once; the token stays spent, so the rate stays a bound.
func (l *limiter) wait(ctx context.Context, sleep func(context.Context, time.Duration) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := l.reserve()
	if d <= 0 {
		return nil
	}
	return sleep(ctx, d)
}
