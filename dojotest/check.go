package dojotest

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo"
)

// Check runs the same checks as CheckEnv outside a test (for `dojo check`)
// and returns every problem found, joined, or nil.
func (c Config) Check(env dojo.Env) error {
	r := &reporter{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				r.Errorf("panic: %v", p)
			}
		}()
		c.CheckEnv(r, env)
	}()
	<-done
	if len(r.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(r.problems, "\n"))
}

// reporter is a testing.TB that collects failures. Only the methods the
// checks call are implemented; the embedded interface is nil.
type reporter struct {
	testing.TB
	mu       sync.Mutex
	problems []string
}

func (r *reporter) Helper() {}

func (r *reporter) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *reporter) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *reporter) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.problems) > 0
}
