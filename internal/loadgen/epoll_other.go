//go:build !linux

package loadgen

import (
	"context"
	"errors"
	"time"
)

// Without epoll only the goroutine engine runs (Config.defaults refuses
// "loop" here, so these are never reached).
const haveLoop = false

type loop struct{}

func newLoop(*Config, *recorder) (*loop, error) {
	return nil, errors.New("the loop engine needs Linux's epoll")
}

func (*loop) add(*session) error { return errors.New("the loop engine needs Linux's epoll") }

func (*loop) run(ctx context.Context, measureFrom, end time.Time) {}
