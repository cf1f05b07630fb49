package family

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/google/go-cmp/cmp"
)

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	var l Lifecycle
	if err := l.Step(ctx); err != dojo.ErrNotReset {
		t.Fatalf("Step before Begin: %v, want ErrNotReset", err)
	}
	if err := l.Check(); err != dojo.ErrNotReset {
		t.Fatalf("Check before Begin: %v, want ErrNotReset", err)
	}
	l.Begin()
	if err := l.Step(ctx); err != nil || !l.Running() {
		t.Fatalf("Step while running: %v (running %v), want nil", err, l.Running())
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	err := l.Step(canceled)
	if dojo.ErrorCode(err) != dojo.CodeCanceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("Step with a canceled context: %v (code %q), want code canceled wrapping context.Canceled", err, dojo.ErrorCode(err))
	}
	late, cancel2 := context.WithDeadline(ctx, time.Unix(1, 0))
	defer cancel2()
	err = l.Step(late)
	if dojo.ErrorCode(err) != dojo.CodeTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Step past the deadline: %v (code %q), want code timeout wrapping context.DeadlineExceeded", err, dojo.ErrorCode(err))
	}
	l.End()
	if err := l.Step(ctx); err != dojo.ErrEnded {
		t.Fatalf("Step after End: %v, want ErrEnded", err)
	}
	// misuse comes before the context: an ended env says so even when
	// the context is done
	if err := l.Step(canceled); err != dojo.ErrEnded {
		t.Fatalf("Step after End with a canceled context: %v, want ErrEnded", err)
	}
	if err := l.Check(); err != dojo.ErrEnded || l.Running() {
		t.Fatalf("Check after End: %v (running %v), want ErrEnded", err, l.Running())
	}
	l.Begin()
	if err := l.Step(ctx); err != nil {
		t.Fatalf("Step after a new Begin: %v, want nil", err)
	}
}

func TestPolicy(t *testing.T) {
	for _, tc := range []struct {
		opts dojo.Options
		want Policy
		ends []bool // Ends(0), Ends(1), ...
	}{
		{dojo.Options{"invalid_action": "penalize", "max_invalid": 1}, Policy{false, 1}, []bool{false, false, false}},
		{dojo.Options{"invalid_action": "terminate", "max_invalid": 1}, Policy{true, 1}, []bool{false, true, true}},
		{dojo.Options{"invalid_action": "terminate", "max_invalid": 3}, Policy{true, 3}, []bool{false, false, false, true, true}},
		{dojo.Options{"invalid_action": "terminate", "max_invalid": 0}, Policy{true, 1}, []bool{false, true}},
		{dojo.Options{"invalid_action": "penalize", "max_invalid": 3}, Policy{false, 3}, []bool{false, false, false, false, false}},
	} {
		t.Run(fmt.Sprint(tc.opts), func(t *testing.T) {
			p := NewPolicy(tc.opts)
			if p != tc.want {
				t.Fatalf("NewPolicy = %+v, want %+v", p, tc.want)
			}
			for n, want := range tc.ends {
				if got := p.Ends(n); got != want {
					t.Errorf("Ends(%d) = %v, want %v", n, got, want)
				}
			}
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	one, thousand := 1.0, 1000.0
	got := InvalidOptions(InvalidText{
		Penalize:  "an invalid call returns an error result and scores invalid=-1",
		Terminate: "once max_invalid calls were invalid",
		Counted:   "invalid calls",
		Max:       1000,
	})
	want := []dojo.Option{
		{Name: "invalid_action", Type: dojo.OptString, Default: "penalize", Choices: []string{"penalize", "terminate"},
			Description: "penalize: an invalid call returns an error result and scores invalid=-1; terminate: as penalize, and the episode terminates as a failure once max_invalid calls were invalid"},
		{Name: "max_invalid", Type: dojo.OptInt, Default: 1, Min: &one, Max: &thousand,
			Description: "with invalid_action=terminate, the number of invalid calls that terminates the episode"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("InvalidOptions (-want +got):\n%s", d)
	}
	got = InvalidOptions(InvalidText{Action: "what an invalid action does: penalize or terminate", Counted: "invalid actions", Ends: "ends", Max: 1000})
	if got[0].Description != "what an invalid action does: penalize or terminate" ||
		got[1].Description != "with invalid_action=terminate, the number of invalid actions that ends the episode" {
		t.Fatalf("InvalidOptions with Action and Ends: %q, %q", got[0].Description, got[1].Description)
	}
	// each call returns its own options: an env may change its copy
	got[0].Choices[0] = "x"
	if again := InvalidOptions(InvalidText{}); again[0].Choices[0] != "penalize" {
		t.Fatal("InvalidOptions shares its Choices between calls")
	}
	if o := Text("say it in words"); o.Name != "text" || o.Type != dojo.OptBool || o.Default != false || o.Description != "say it in words" {
		t.Fatalf("Text = %+v", o)
	}
}

func TestIndex(t *testing.T) {
	comps := []dojo.Component{{Name: "success"}, {Name: "format"}, {Name: "invalid"}}
	for want, c := range comps {
		if i, err := Index(comps, c.Name); i != want || err != nil {
			t.Errorf("Index(%q) = %d, %v, want %d", c.Name, i, err, want)
		}
		if i := MustIndex(comps, c.Name); i != want {
			t.Errorf("MustIndex(%q) = %d, want %d", c.Name, i, want)
		}
	}
	i, err := Index(comps, "progress")
	if i != -1 || err == nil || !strings.Contains(err.Error(), `"progress"`) || !strings.Contains(err.Error(), `"format"`) {
		t.Fatalf("Index of an unknown name = %d, %v; want -1 and an error naming it and the components", i, err)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("MustIndex of an unknown name did not panic")
		}
	}()
	MustIndex(comps, "progress")
}

// build returns a build function of value v with cost n that counts its
// calls in *calls.
func build(v string, n int, calls *int) func() (string, int, error) {
	return func() (string, int, error) {
		*calls++
		return v, n, nil
	}
}

func TestCacheBuildsOnce(t *testing.T) {
	c := NewCache[string, string](10)
	calls := 0
	for range 3 {
		v, err := c.Get("a", build("A", 1, &calls))
		if v != "A" || err != nil {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if calls != 1 || c.Len() != 1 || c.Cost() != 1 {
		t.Fatalf("after 3 Gets of one key: %d builds, Len %d, Cost %d; want 1, 1, 1", calls, c.Len(), c.Cost())
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewCache[string, string](3)
	calls := 0
	for _, k := range []string{"a", "b", "c"} {
		c.Get(k, build(k, 1, &calls))
	}
	c.Get("a", build("a", 1, &calls)) // a is now the most recent: b goes first
	c.Get("d", build("d", 1, &calls))
	if c.Contains("b") || !c.Contains("a") || !c.Contains("c") || !c.Contains("d") {
		t.Fatalf("after a, b, c, a, d in a cache of 3: want b evicted, a, c and d kept (a %v b %v c %v d %v)",
			c.Contains("a"), c.Contains("b"), c.Contains("c"), c.Contains("d"))
	}
	if c.Len() != 3 || c.Cost() != 3 || calls != 4 {
		t.Fatalf("Len %d, Cost %d, builds %d; want 3, 3, 4", c.Len(), c.Cost(), calls)
	}
	c.Get("b", build("b", 1, &calls)) // evicted: built again, c goes
	if calls != 5 || c.Contains("c") {
		t.Fatalf("Get of an evicted key: builds %d (want 5), c kept %v (want evicted)", calls, c.Contains("c"))
	}
}

func TestCacheBoundsCost(t *testing.T) {
	c := NewCache[int, int](100)
	for k := range 50 {
		c.Get(k, func() (int, int, error) { return k, 30, nil })
		if c.Cost() > 100 {
			t.Fatalf("after key %d: cost %d over the bound 100", k, c.Cost())
		}
	}
	if c.Len() != 3 || c.Cost() != 90 {
		t.Fatalf("50 values of cost 30 under a bound of 100: Len %d, Cost %d; want 3, 90", c.Len(), c.Cost())
	}
	// a value larger than the bound is kept, alone
	c.Get(-1, func() (int, int, error) { return -1, 500, nil })
	if c.Len() != 1 || c.Cost() != 500 || !c.Contains(-1) {
		t.Fatalf("after a value of cost 500: Len %d, Cost %d, kept %v; want 1, 500, true", c.Len(), c.Cost(), c.Contains(-1))
	}
	c.Get(-2, func() (int, int, error) { return -2, 0, nil }) // cost below 1 counts as 1
	if c.Len() != 1 || c.Cost() != 1 || !c.Contains(-2) {
		t.Fatalf("after a value of cost 0: Len %d, Cost %d; want 1, 1", c.Len(), c.Cost())
	}
	c.Clear()
	if c.Len() != 0 || c.Cost() != 0 {
		t.Fatalf("after Clear: Len %d, Cost %d", c.Len(), c.Cost())
	}
}

func TestCacheDropsFailedBuilds(t *testing.T) {
	c := NewCache[string, string](4)
	bad := errors.New("no such world")
	if _, err := c.Get("a", func() (string, int, error) { return "", 1, bad }); err != bad {
		t.Fatalf("failed build: err %v, want %v", err, bad)
	}
	if c.Contains("a") || c.Cost() != 0 {
		t.Fatalf("a failed build was kept (Len %d, Cost %d)", c.Len(), c.Cost())
	}
	func() {
		defer func() { recover() }()
		c.Get("p", func() (string, int, error) { panic("boom") })
	}()
	if c.Contains("p") {
		t.Fatal("a build that panicked was kept")
	}
	calls := 0
	if v, err := c.Get("a", build("A", 1, &calls)); v != "A" || err != nil || calls != 1 {
		t.Fatalf("Get after a failed build: %q, %v, %d builds; want A, nil, 1", v, err, calls)
	}
}

func TestCacheConcurrentGetsShareOneBuild(t *testing.T) {
	c := NewCache[int, *int](8)
	var builds atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]*int, 16)
	for i := range got {
		wg.Go(func() {
			v, err := c.Get(7, func() (*int, int, error) {
				builds.Add(1)
				<-release
				return new(int), 1, nil
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	close(release)
	wg.Wait()
	if builds.Load() != 1 {
		t.Fatalf("16 concurrent Gets of one key built it %d times, want 1", builds.Load())
	}
	for i, v := range got {
		if v != got[0] {
			t.Fatalf("Get %d returned another value than Get 0", i)
		}
	}
	// many keys from many goroutines: the bound holds throughout
	for g := range 8 {
		wg.Go(func() {
			for k := range 200 {
				c.Get(g*1000+k%20, func() (*int, int, error) { return new(int), 1, nil })
			}
		})
	}
	wg.Wait()
	if c.Cost() > 8 || c.Len() > 8 {
		t.Fatalf("after concurrent use: Len %d, Cost %d over the bound 8", c.Len(), c.Cost())
	}
}

// BenchmarkCacheHit is a Get of a kept value from every core: the cost an
// episode pays on Reset to find its shared world.
func BenchmarkCacheHit(b *testing.B) {
	c := NewCache[int, int](64)
	for k := range 64 {
		c.Get(k, func() (int, int, error) { return k, 1, nil })
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		k := 0
		for pb.Next() {
			c.Get(k&63, nil)
			k++
		}
	})
}

// BenchmarkCacheChurn is a Get of a new key in a full cache: a build (of
// nothing) and an eviction each.
func BenchmarkCacheChurn(b *testing.B) {
	c := NewCache[int, int](64)
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		c.Get(k, func() (int, int, error) { return k, 1, nil })
		k++
	}
}

func TestScore(t *testing.T) {
	comps := []dojo.Component{{Name: "success"}, {Name: "format"}, {Name: "invalid"}}
	w := []dojo.Part{{Name: "success", Weight: 1}, {Name: "format", Weight: 0.1}, {Name: "invalid", Weight: 0.5}}
	s := Score(comps, []float64{1, -1, -2}, w, true, []string{"bad call", "no answer"})
	var sum float64 // the weighted sum in order, as dojo.Sum computes it
	for _, x := range [][2]float64{{1, 1}, {-1, 0.1}, {-2, 0.5}} {
		sum += float64(x[0] * x[1])
	}
	want := dojo.Score{Reward: sum, Success: true, Error: "bad call; no answer", Parts: []dojo.Part{
		{Name: "success", Value: 1, Weight: 1}, {Name: "format", Value: -1, Weight: 0.1}, {Name: "invalid", Value: -2, Weight: 0.5}}}
	if d := cmp.Diff(want, s); d != "" {
		t.Fatalf("Score (-want +got):\n%s", d)
	}
	if s := Score(comps, []float64{0, 0, 0}, w, false, nil); s.Error != "" || s.Success || s.Reward != 0 {
		t.Fatalf("Score of nothing = %+v", s)
	}
}

func TestMustConst(t *testing.T) {
	comps := []dojo.Component{{Name: "success"}, {Name: "gym"}}
	if got := MustConst(comps, 1, "gym"); got != 1 {
		t.Errorf("MustConst(gym at 1) = %d", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"gym" is at index 1, its constant says 0`) {
			t.Errorf("a wrong constant: recovered %v, want a panic naming the component and both indices", r)
		}
	}()
	MustConst(comps, 0, "gym")
}
