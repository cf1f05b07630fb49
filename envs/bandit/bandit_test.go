package bandit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
	"github.com/google/go-cmp/cmp"
)

func registry(t testing.TB) *dojo.Registry {
	t.Helper()
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	return r
}

func makeEnv(t testing.TB, id string, opts dojo.Options) *Env {
	t.Helper()
	env, err := registry(t).Make(id, opts)
	if err != nil {
		t.Fatalf("Make(%s, %v): %v", id, opts, err)
	}
	return env.(*Env)
}

func reset(t testing.TB, e *Env, seed uint64) (dojo.Obs, dojo.Info) {
	t.Helper()
	obs, info, err := e.Reset(context.Background(), seed)
	if err != nil {
		t.Fatalf("Reset(%d): %v", seed, err)
	}
	return obs, info
}

func step(t testing.TB, e *Env, a dojo.Action) dojo.Step {
	t.Helper()
	s, err := e.Step(context.Background(), a)
	if err != nil {
		t.Fatalf("Step(%v): %v", a, err)
	}
	return s
}

func metric(t testing.TB, m dojo.Metrics, name string) float64 {
	t.Helper()
	v, ok := m.Get(name)
	if !ok {
		t.Fatalf("metric %q missing from %v", name, m)
	}
	return v
}

func part(t testing.TB, parts []dojo.Part, name string) float64 {
	t.Helper()
	for _, p := range parts {
		if p.Name == name {
			return p.Value
		}
	}
	t.Fatalf("part %q missing from %v", name, parts)
	return 0
}

func TestIDs(t *testing.T) {
	want := []string{
		"bandit/Bernoulli-10-v0", "bandit/Bernoulli-2-v0", "bandit/Bernoulli-20-v0", "bandit/Bernoulli-5-v0",
		"bandit/Drifting-10-v0", "bandit/Gaussian-10-v0", "bandit/Linear-10-v0",
	}
	if diff := cmp.Diff(want, registry(t).IDs()); diff != "" {
		t.Errorf("registered ids (-want +got):\n%s", diff)
	}
	if err := Register(registry(t)); err == nil {
		t.Errorf("registering the bandits twice in one registry succeeded, want an error")
	}
}

// TestConformance runs dojotest on every env with default options, with
// text observations and with other option sets that change the episode.
func TestConformance(t *testing.T) {
	reg := registry(t)
	type variant struct {
		id   string
		opts dojo.Options
	}
	var cases []variant
	if race.Enabled {
		// CheckRegistry's full run takes a minute under the race
		// detector: check default options with fewer episodes instead.
		for _, id := range reg.IDs() {
			cases = append(cases, variant{id, nil})
		}
	} else {
		dojotest.CheckRegistry(t, reg)
	}
	for _, id := range reg.IDs() {
		cases = append(cases, variant{id, dojo.Options{"text": true}})
	}
	cases = append(cases,
		variant{"bandit/Bernoulli-10-v0", dojo.Options{"gap": 0.2, "best_mean": 0.7, "reward": "shaped"}},
		variant{"bandit/Bernoulli-5-v0", dojo.Options{"invalid_action": "terminate", "max_invalid": 3, "horizon": 50}},
		variant{"bandit/Bernoulli-2-v0", dojo.Options{"horizon": 1, "reward": "sparse"}},
		variant{"bandit/Gaussian-10-v0", dojo.Options{"sigma": 0, "invalid_action": "terminate"}},
		variant{"bandit/Drifting-10-v0", dojo.Options{"drift": 0.5, "horizon": 300}},
		variant{"bandit/Linear-10-v0", dojo.Options{"dim": 1, "sigma": 2, "text": true, "horizon": 100}},
	)
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%v", c.id, c.opts), func(t *testing.T) {
			t.Parallel()
			env, err := reg.Make(c.id, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			cfg := dojotest.Config{}
			if race.Enabled {
				cfg.Seeds, cfg.OracleEpisodes = 2, 5
			}
			cfg.CheckEnv(t, env)
		})
	}
}

// TestSpec checks that an env made with default options describes itself
// as the registry does, and that options reach the spec.
func TestSpec(t *testing.T) {
	reg := registry(t)
	for _, id := range reg.IDs() {
		want, err := reg.Spec(id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, makeEnv(t, id, nil).Spec()); diff != "" {
			t.Errorf("%s: env spec differs from registered spec (-registered +env):\n%s", id, diff)
		}
		if want.Stochastic {
			t.Errorf("%s: Stochastic is set, but the oracle always succeeds", id)
		}
		if want.DefaultProfile != "native" || want.Profiles["native"]["payout"] != 1 {
			t.Errorf("%s: default profile %q %v, want native = {payout: 1}", id, want.DefaultProfile, want.Profiles)
		}
	}
	s := makeEnv(t, "bandit/Linear-10-v0", dojo.Options{"dim": 3, "horizon": 77, "text": true}).Spec()
	if diff := cmp.Diff([]int{10, 3}, s.Observation.Shape); diff != "" || s.MaxSteps != 77 || !s.ObsText {
		t.Errorf("Linear spec with dim=3 horizon=77 text: shape %v, max_steps %d, obs_text %v", s.Observation.Shape, s.MaxSteps, s.ObsText)
	}
	if s := makeEnv(t, "bandit/Bernoulli-20-v0", nil).Spec(); s.Action.N != 20 || s.Action.Labels[19] != "arm19" {
		t.Errorf("Bernoulli-20 action space %+v, want 20 arms arm0..arm19", s.Action)
	}
}

func TestBadOptions(t *testing.T) {
	reg := registry(t)
	tests := []struct {
		id    string
		opts  dojo.Options
		field string
		want  []string // substrings of the message
	}{
		{"bandit/Bernoulli-10-v0", dojo.Options{"horizon": 0}, "options.horizon", []string{"horizon", "minimum 1"}},
		{"bandit/Bernoulli-10-v0", dojo.Options{"horizon": 2.5}, "options.horizon", []string{"horizon", "not an integer"}},
		{"bandit/Bernoulli-10-v0", dojo.Options{"gap": 0.6, "best_mean": 0.5}, "options.gap", []string{"gap", "best_mean", "negative means"}},
		{"bandit/Bernoulli-10-v0", dojo.Options{"gap": 1.5}, "options.gap", []string{"gap", "maximum 1"}},
		{"bandit/Bernoulli-10-v0", dojo.Options{"drift": 0.1}, "options.drift", []string{`unknown option "drift"`, "gap"}},
		{"bandit/Gaussian-10-v0", dojo.Options{"sigma": -1}, "options.sigma", []string{"sigma", "minimum 0"}},
		{"bandit/Drifting-10-v0", dojo.Options{"drift": 2}, "options.drift", []string{"drift", "maximum 1"}},
		{"bandit/Linear-10-v0", dojo.Options{"dim": 0}, "options.dim", []string{"dim", "minimum 1"}},
		{"bandit/Linear-10-v0", dojo.Options{"invalid_action": "explode"}, "options.invalid_action", []string{"explode", "penalize, terminate"}},
		{"bandit/Linear-10-v0", dojo.Options{"max_invalid": 0}, "options.max_invalid", []string{"max_invalid"}},
		{"bandit/Bernoulli-2-v0", dojo.Options{"text": "yes"}, "options.text", []string{"text", "true or false"}},
		{"bandit/Bernoulli-2-v0", dojo.Options{"reward": "dense"}, "options.reward", []string{"dense", "native", "sparse", "shaped"}},
		{"bandit/Bernoulli-2-v0", dojo.Options{"reward": map[string]any{"regrett": 1.0}}, "options.reward", []string{"regrett", "payout, regret, invalid"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s%v", tt.id, tt.opts), func(t *testing.T) {
			_, err := reg.Make(tt.id, tt.opts)
			if err == nil {
				t.Fatalf("Make succeeded, want an error")
			}
			if code := dojo.ErrorCode(err); code != dojo.CodeInvalid {
				t.Errorf("error code %q, want %q (%v)", code, dojo.CodeInvalid, err)
			}
			if f := dojo.ErrorField(err); f != tt.field {
				t.Errorf("error field %q, want %q (%v)", f, tt.field, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestMisuse(t *testing.T) {
	e := makeEnv(t, "bandit/Bernoulli-2-v0", dojo.Options{"horizon": 2})
	ctx := context.Background()
	if _, err := e.Step(ctx, dojo.IndexAction(0)); !errors.Is(err, dojo.ErrNotReset) {
		t.Errorf("Step before Reset: %v, want ErrNotReset", err)
	}
	if _, err := e.OracleAction(ctx); dojo.ErrorCode(err) != dojo.CodeState {
		t.Errorf("OracleAction before Reset: %v, want a %q error", err, dojo.CodeState)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := e.Reset(canceled, 1); dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Errorf("Reset with a canceled context: %v, want code %q", err, dojo.CodeCanceled)
	}
	reset(t, e, 1)
	if _, err := e.Step(canceled, dojo.IndexAction(0)); dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Errorf("Step with a canceled context: %v, want code %q", err, dojo.CodeCanceled)
	}
	step(t, e, dojo.IndexAction(0))
	if s := step(t, e, dojo.IndexAction(1)); !s.Truncated || s.Terminated {
		t.Errorf("step 2 of horizon 2: truncated=%v terminated=%v, want truncated only", s.Truncated, s.Terminated)
	}
	if _, err := e.Step(ctx, dojo.IndexAction(0)); !errors.Is(err, dojo.ErrEnded) {
		t.Errorf("Step after the end: %v, want ErrEnded", err)
	}
	if _, err := e.OracleAction(ctx); !errors.Is(err, dojo.ErrEnded) {
		t.Errorf("OracleAction after the end: %v, want ErrEnded", err)
	}
}

// TestReproducible checks that a seed fixes the instance, whatever ran
// before and in whichever env instance.
func TestReproducible(t *testing.T) {
	for _, id := range registry(t).IDs() {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			a, b := makeEnv(t, id, nil), makeEnv(t, id, nil)
			reset(t, a, 42)
			first := a.Means()
			reset(t, a, 43)
			other := a.Means()
			reset(t, b, 7)
			reset(t, b, 42)
			if diff := cmp.Diff(first, b.Means()); diff != "" {
				t.Errorf("seed 42 in a second instance after seed 7 (-first +second):\n%s", diff)
			}
			if cmp.Equal(first, other) {
				t.Errorf("seeds 42 and 43 gave the same means %v", first)
			}
			var payA, payB []float64
			for i := range 50 {
				payA = append(payA, step(t, a, dojo.IndexAction(i%3)).Info.Metrics[mPayout].Value)
			}
			reset(t, a, 43)
			for i := range 50 {
				payB = append(payB, step(t, a, dojo.IndexAction(i%3)).Info.Metrics[mPayout].Value)
			}
			if diff := cmp.Diff(payA, payB); diff != "" {
				t.Errorf("same seed and actions gave different payouts (-first +again):\n%s", diff)
			}
		})
	}
}

// TestWorldIndependentOfActions checks that the means' drift and the
// contexts depend on the seed only, so agents compared on a seed face the
// same world.
func TestWorldIndependentOfActions(t *testing.T) {
	for _, id := range []string{"bandit/Drifting-10-v0", "bandit/Linear-10-v0"} {
		t.Run(id, func(t *testing.T) {
			e := makeEnv(t, id, dojo.Options{"horizon": 200})
			var paths [2][][]float64
			for run := range paths {
				reset(t, e, 9)
				for i := range 100 {
					a := dojo.IndexAction(i % 10)
					if run == 1 {
						a = dojo.IndexAction(9 - i%7)
						if i%13 == 0 {
							a = dojo.TextAction("not an arm")
						}
					}
					step(t, e, a)
					paths[run] = append(paths[run], e.Means())
				}
			}
			if diff := cmp.Diff(paths[0], paths[1]); diff != "" {
				t.Errorf("the world depends on the actions (-run0 +run1):\n%s", diff)
			}
		})
	}
}

// TestMetricsByHand plays a deterministic instance: gap 1 with best_mean 1
// gives the best arm mean 1 and the other mean 0, so every payout is known.
func TestMetricsByHand(t *testing.T) {
	for _, profile := range []string{"native", "shaped", "sparse"} {
		t.Run(profile, func(t *testing.T) {
			e := makeEnv(t, "bandit/Bernoulli-2-v0", dojo.Options{"gap": 1.0, "best_mean": 1.0, "horizon": 5, "reward": profile})
			_, info := reset(t, e, 3)
			best := int(metric(t, info.Metrics, "best_arm"))
			worst := 1 - best
			if m := e.Means(); m[best] != 1 || m[worst] != 0 {
				t.Fatalf("means %v with best arm %d, want 1 for the best, 0 for the other", m, best)
			}
			type want struct {
				regret, cum, payout, optimal, invalid, success float64
			}
			steps := []struct {
				a    dojo.Action
				want want
			}{
				{dojo.IndexAction(worst), want{regret: 1, cum: 1}},
				{dojo.IndexAction(best), want{cum: 1, payout: 1, optimal: 1}},
				{dojo.IndexAction(7), want{regret: 1, cum: 2, invalid: -1}},
				{dojo.TextAction(fmt.Sprintf("<answer>ARM%d</answer>", best)), want{cum: 2, payout: 1, optimal: 1}},
				// The last 10% of 5 steps is 1 step, which pulled the best arm.
				{dojo.IndexAction(best), want{cum: 2, payout: 1, optimal: 1, success: 1}},
			}
			for i, st := range steps {
				s := step(t, e, st.a)
				got := want{
					regret:  metric(t, s.Info.Metrics, "regret"),
					cum:     metric(t, s.Info.Metrics, "cumulative_regret"),
					payout:  metric(t, s.Info.Metrics, "payout"),
					optimal: metric(t, s.Info.Metrics, "optimal"),
					invalid: part(t, s.Info.Parts, "invalid"),
					success: part(t, s.Info.Parts, "success"),
				}
				if got != st.want {
					t.Errorf("step %d (%v): got %+v, want %+v", i+1, st.a, got, st.want)
				}
				if b := metric(t, s.Info.Metrics, "best_arm"); b != float64(best) {
					t.Errorf("step %d: best_arm %v, want %d", i+1, b, best)
				}
				if p := part(t, s.Info.Parts, "payout"); p != got.payout {
					t.Errorf("step %d: payout part %v, metric %v", i+1, p, got.payout)
				}
				if r := part(t, s.Info.Parts, "regret"); r != -got.regret {
					t.Errorf("step %d: regret part %v, want %v", i+1, r, -got.regret)
				}
				var wantReward float64
				switch profile {
				case "native":
					wantReward = got.payout
				case "shaped":
					wantReward = got.success - got.regret + got.invalid
				case "sparse":
					wantReward = got.success
				}
				if s.Reward != wantReward {
					t.Errorf("step %d: reward %v under %s, want %v", i+1, s.Reward, profile, wantReward)
				}
				if s.Info.Invalid != (st.want.invalid != 0) {
					t.Errorf("step %d: Info.Invalid %v", i+1, s.Info.Invalid)
				}
				if last := i == len(steps)-1; s.Truncated != last || s.Info.Success != last || s.Terminated {
					t.Errorf("step %d: truncated %v success %v terminated %v", i+1, s.Truncated, s.Info.Success, s.Terminated)
				}
			}
		})
	}
}

// TestSuccess checks the success rule: more than half of the last
// ⌈horizon/10⌉ steps pulled a best arm.
func TestSuccess(t *testing.T) {
	const B, W, X = 'B', 'W', 'X' // best arm, worst arm, invalid action
	tests := []struct {
		pulls string
		want  bool
	}{
		{"B", true},
		{"W", false},
		{"X", false},
		{strings.Repeat("B", 20), true},
		{strings.Repeat("B", 18) + "BW", false}, // window 2: 1 of 2 is not more than half
		{strings.Repeat("B", 18) + "WB", false},
		{strings.Repeat("W", 18) + "BB", true},
		{strings.Repeat("B", 19) + "X", false},
		{strings.Repeat("W", 13) + "BB", true}, // horizon 15: window 2
		{strings.Repeat("W", 12) + "BBW", false},
		{strings.Repeat("W", 27) + "BBW", true}, // window 3: 2 of 3
		{strings.Repeat("W", 27) + "BXW", false},
	}
	for _, tt := range tests {
		t.Run(tt.pulls, func(t *testing.T) {
			e := makeEnv(t, "bandit/Bernoulli-5-v0", dojo.Options{"gap": 0.5, "best_mean": 0.9, "horizon": len(tt.pulls), "reward": "sparse"})
			_, info := reset(t, e, 11)
			best := int(metric(t, info.Metrics, "best_arm"))
			for i, c := range tt.pulls {
				var a dojo.Action
				switch c {
				case B:
					a = dojo.IndexAction(best)
				case W:
					a = dojo.IndexAction((best + 1) % 5)
				case X:
					a = dojo.IndexAction(-3)
				}
				s := step(t, e, a)
				last := i == len(tt.pulls)-1
				if s.Done() != last {
					t.Fatalf("step %d: done=%v", i+1, s.Done())
				}
				if want := last && tt.want; s.Info.Success != want || s.Reward != map[bool]float64{true: 1}[want] {
					t.Errorf("step %d: success %v reward %v, want success %v", i+1, s.Info.Success, s.Reward, want)
				}
			}
		})
	}
}

func TestTerminatePolicy(t *testing.T) {
	e := makeEnv(t, "bandit/Bernoulli-10-v0", dojo.Options{"invalid_action": "terminate", "max_invalid": 2})
	reset(t, e, 1)
	if s := step(t, e, dojo.TextAction("lever")); s.Done() || !s.Info.Invalid {
		t.Fatalf("first invalid action with max_invalid=2: done=%v invalid=%v, want the episode to go on", s.Done(), s.Info.Invalid)
	}
	step(t, e, dojo.IndexAction(3))
	s := step(t, e, dojo.IndexAction(10))
	if !s.Terminated || s.Truncated || s.Info.Success || part(t, s.Info.Parts, "success") != 0 {
		t.Errorf("second invalid action: terminated %v truncated %v success %v, want a failed termination", s.Terminated, s.Truncated, s.Info.Success)
	}
	if _, err := e.Step(context.Background(), dojo.IndexAction(0)); !errors.Is(err, dojo.ErrEnded) {
		t.Errorf("Step after termination: %v, want ErrEnded", err)
	}

	e = makeEnv(t, "bandit/Bernoulli-10-v0", dojo.Options{"invalid_action": "terminate"})
	reset(t, e, 1)
	if s := step(t, e, dojo.IndexAction(-1)); !s.Terminated {
		t.Errorf("invalid action with the default max_invalid=1 did not terminate")
	}
	// The penalize policy never terminates.
	e = makeEnv(t, "bandit/Bernoulli-10-v0", dojo.Options{"horizon": 30})
	reset(t, e, 1)
	for i := range 30 {
		if s := step(t, e, dojo.IndexAction(-1)); s.Terminated || s.Truncated != (i == 29) {
			t.Fatalf("penalize policy, step %d: terminated %v truncated %v", i+1, s.Terminated, s.Truncated)
		}
	}
}

func TestOracleAlwaysSucceeds(t *testing.T) {
	ctx := context.Background()
	for _, id := range registry(t).IDs() {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			opts := dojo.Options{"horizon": 200}
			if strings.Contains(id, "Drifting") {
				opts["drift"] = 0.2 // the best arm changes often
			}
			e := makeEnv(t, id, opts)
			seeds := 30
			if race.Enabled {
				seeds = 5
			}
			for seed := range uint64(seeds) {
				reset(t, e, seed)
				changes, prev := 0, -1
				for {
					a, err := e.OracleAction(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if prev >= 0 && a.Index != prev {
						changes++
					}
					prev = a.Index
					s := step(t, e, a)
					if metric(t, s.Info.Metrics, "regret") != 0 || metric(t, s.Info.Metrics, "optimal") != 1 {
						t.Fatalf("seed %d: the oracle's pull has regret %v", seed, metric(t, s.Info.Metrics, "regret"))
					}
					if s.Done() {
						if !s.Info.Success {
							t.Fatalf("seed %d: the oracle failed", seed)
						}
						break
					}
				}
				if strings.Contains(id, "Drifting") && seed == 0 && changes == 0 {
					t.Errorf("drift 0.2 over 200 steps never changed the best arm")
				}
			}
		})
	}
}

func TestRewardIsFinite(t *testing.T) {
	// Extreme options still give finite numbers.
	e := makeEnv(t, "bandit/Gaussian-10-v0", dojo.Options{"sigma": 100, "horizon": 100})
	reset(t, e, 5)
	for i := range 100 {
		s := step(t, e, dojo.IndexAction(i%10))
		if math.IsNaN(s.Reward) || math.IsInf(s.Reward, 0) {
			t.Fatalf("step %d: reward %v", i+1, s.Reward)
		}
	}
}
