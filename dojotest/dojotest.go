// Package dojotest checks that an environment keeps the dojo contract, as
// testing/fstest checks a file system. Every registered env passes
// CheckEnv in dojo's own test suite; authors of new envs call it from
// theirs:
//
//	func TestConformance(t *testing.T) {
//		env, _ := reg.Make("myfamily/Thing-v0", nil)
//		dojotest.CheckEnv(t, env)
//	}
//
// CheckEnv verifies that the spec is valid; that stepping before Reset and
// after the end are CodeState errors; that Reset and Step are deterministic
// (same seed and actions give byte-identical JSON, whatever ran in between);
// that episodes end within MaxSteps; that every step's reward equals the
// weighted sum of its parts, listed in the spec's order; that the success
// component is 1 exactly on the last step of a successful episode; that
// out-of-range discrete actions are invalid, not errors; that observations
// and infos marshal to JSON; that an exact model is a proper MDP; that a
// Renderer draws a non-empty frame; that a Stater's states are JSON objects
// with a kind, the same for the same episode (checked on the first 50 steps
// and the last); that a TaskGenerator's task of a seed shows the tools the
// first observation of that seed carries (Obs.Tools and Task.Tools agree);
// and that on deterministic envs following the Oracle always succeeds.
package dojotest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dojo-rl/dojo"
)

// Config sets how much CheckEnv does. The zero value uses the defaults.
type Config struct {
	Seeds          int // episodes of random actions checked for determinism (default 8)
	OracleEpisodes int // episodes driven by the oracle (default 20)
	// MaxEpisodeSteps caps the steps of one random episode (default: the
	// spec's MaxSteps, at most 2000).
	MaxEpisodeSteps int
}

// CheckEnv checks env, which must be freshly made (not yet reset), with the
// default Config.
func CheckEnv(t testing.TB, env dojo.Env) { t.Helper(); Config{}.CheckEnv(t, env) }

// CheckEnv checks env, which must be freshly made (not yet reset).
func (c Config) CheckEnv(t testing.TB, env dojo.Env) {
	t.Helper()
	if c.Seeds == 0 {
		c.Seeds = 8
	}
	if c.OracleEpisodes == 0 {
		c.OracleEpisodes = 20
	}
	spec := env.Spec()
	if err := spec.Validate(); err != nil {
		t.Fatalf("invalid spec: %v", err)
	}
	if c.MaxEpisodeSteps == 0 {
		c.MaxEpisodeSteps = min(spec.MaxSteps, 2000)
	}
	ctx := context.Background()

	if _, err := env.Step(ctx, sampleAction(rand.New(rand.NewPCG(1, 2)), &spec)); dojo.ErrorCode(err) != dojo.CodeState {
		t.Errorf("Step before Reset: got error %v (code %q), want code %q", err, dojo.ErrorCode(err), dojo.CodeState)
	}

	if m, ok := env.(dojo.Model); ok {
		if err := m.MDP().Check(); err != nil {
			t.Errorf("Model: %v", err)
		}
	}

	for i := range c.Seeds {
		seed := uint64(i)*7919 + 3
		first := c.episode(t, env, &spec, seed, nil)
		if t.Failed() {
			return
		}
		// Something else in between, then the same episode again.
		c.episode(t, env, &spec, seed+1, nil)
		again := c.episode(t, env, &spec, seed, first.actions)
		if !bytes.Equal(first.transcript, again.transcript) {
			t.Fatalf("seed %d: replaying the same actions after Reset gave a different episode:\nfirst: %s\nagain: %s",
				seed, firstDiff(first.transcript, again.transcript), firstDiff(again.transcript, first.transcript))
		}
	}

	if g, ok := env.(dojo.TaskGenerator); ok {
		checkTaskTools(t, env, g)
	}

	if r, ok := env.(dojo.Renderer); ok {
		if _, _, err := env.Reset(ctx, 1); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		img := r.Frame()
		if img == nil || img.Bounds().Empty() {
			t.Errorf("Renderer: Frame after Reset is empty")
		}
	}

	if o, ok := env.(dojo.Oracle); ok {
		wins := 0
		for i := range c.OracleEpisodes {
			seed := uint64(i)*104729 + 11
			if c.oracleEpisode(t, env, o, &spec, seed) {
				wins++
			} else if !spec.Stochastic {
				t.Errorf("oracle failed on seed %d of a deterministic env", seed)
			}
		}
		if spec.Stochastic && c.OracleEpisodes >= 20 && wins == 0 {
			t.Errorf("oracle never succeeded in %d episodes", c.OracleEpisodes)
		}
	}
}

type record struct {
	transcript []byte
	actions    []dojo.Action
}

// episode runs one episode from seed, with the given actions or random ones,
// checking every step, and returns its JSON transcript.
func (c Config) episode(t testing.TB, env dojo.Env, spec *dojo.Spec, seed uint64, actions []dojo.Action) record {
	t.Helper()
	ctx := context.Background()
	obs, info, err := env.Reset(ctx, seed)
	if err != nil {
		t.Fatalf("Reset(%d): %v", seed, err)
	}
	var rec record
	rec.transcript = appendJSON(t, rec.transcript, "reset", struct {
		Obs  dojo.Obs  `json:"observation"`
		Info dojo.Info `json:"info"`
	}{obs, info})
	checkParts(t, spec, seed, 0, 0, info.Parts, true)
	stater, _ := env.(dojo.Stater)
	if stater != nil {
		rec.transcript = checkState(t, rec.transcript, stater, seed, 0)
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	replay := actions != nil
	for step := 1; ; step++ {
		if replay && step > len(actions) {
			break // the transcripts' comparison tells whether it should have ended
		}
		if !replay && step > c.MaxEpisodeSteps {
			break // long episode: the rest is not checked
		}
		var a dojo.Action
		if replay {
			a = actions[step-1]
		} else {
			a = sampleAction(rng, spec)
		}
		rec.actions = append(rec.actions, a)
		s, err := env.Step(ctx, a)
		if err != nil {
			t.Fatalf("seed %d step %d: Step(%v): %v (a bad action must not be an error)", seed, step, a, err)
		}
		rec.transcript = appendJSON(t, rec.transcript, fmt.Sprintf("step %d", step), s)
		if stater != nil && (step <= 50 || s.Done()) {
			// The first steps and the last: long episodes stay fast.
			rec.transcript = checkState(t, rec.transcript, stater, seed, step)
		}
		if math.IsNaN(s.Reward) || math.IsInf(s.Reward, 0) {
			t.Fatalf("seed %d step %d: reward %v", seed, step, s.Reward)
		}
		checkParts(t, spec, seed, step, s.Reward, s.Info.Parts, false)
		if a.Kind == dojo.ActIndex && spec.Action.Kind == dojo.KindDiscrete && (a.Index < 0 || a.Index >= spec.Action.N) && !s.Info.Invalid {
			t.Errorf("seed %d step %d: out-of-range action %d not reported as invalid", seed, step, a.Index)
		}
		if s.Info.Invalid && s.Info.Error == "" {
			t.Errorf("seed %d step %d: invalid action without an error message", seed, step)
		}
		done := s.Done()
		if sv := successValue(spec, s.Info.Parts); sv != 0 && (!done || !s.Info.Success) {
			t.Errorf("seed %d step %d: success component is %v but done=%v success=%v", seed, step, sv, done, s.Info.Success)
		} else if done && s.Info.Success && sv != 1 {
			t.Errorf("seed %d step %d: successful episode ended with success component %v, want 1", seed, step, sv)
		}
		if !done && step >= spec.MaxSteps {
			t.Fatalf("seed %d: episode still running after max_steps=%d", seed, spec.MaxSteps)
		}
		if done {
			if _, err := env.Step(ctx, a); dojo.ErrorCode(err) != dojo.CodeState {
				t.Errorf("seed %d: Step after the end: got %v (code %q), want code %q", seed, err, dojo.ErrorCode(err), dojo.CodeState)
			}
			break
		}
	}
	return rec
}

// checkState checks that the env's State is a JSON object with a string
// kind, and appends it to the transcript, so that replays compare states
// too.
func checkState(t testing.TB, transcript []byte, s dojo.Stater, seed uint64, step int) []byte {
	t.Helper()
	b, err := json.Marshal(s.State())
	if err != nil {
		t.Fatalf("seed %d step %d: State does not marshal to JSON: %v", seed, step, err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		t.Fatalf("seed %d step %d: State is %.80s, not a JSON object", seed, step, b)
	}
	var kind string
	if err := json.Unmarshal(obj["kind"], &kind); err != nil || kind == "" {
		t.Fatalf("seed %d step %d: State %.80s has no string member \"kind\" naming its layout", seed, step, b)
	}
	transcript = append(transcript, "state "...)
	transcript = append(transcript, b...)
	return append(transcript, '\n')
}

func (c Config) oracleEpisode(t testing.TB, env dojo.Env, o dojo.Oracle, spec *dojo.Spec, seed uint64) bool {
	t.Helper()
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatalf("Reset(%d): %v", seed, err)
	}
	for step := 1; step <= spec.MaxSteps; step++ {
		a, err := o.OracleAction(ctx)
		if err != nil {
			t.Fatalf("oracle seed %d step %d: %v", seed, step, err)
		}
		s, err := env.Step(ctx, a)
		if err != nil {
			t.Fatalf("oracle seed %d step %d: Step(%v): %v", seed, step, a, err)
		}
		if s.Info.Invalid {
			t.Errorf("oracle seed %d step %d: oracle action %v was invalid: %s", seed, step, a, s.Info.Error)
		}
		if s.Done() {
			return s.Info.Success
		}
	}
	t.Errorf("oracle seed %d: episode did not end within max_steps", seed)
	return false
}

func checkParts(t testing.TB, spec *dojo.Spec, seed uint64, step int, r float64, parts []dojo.Part, reset bool) {
	t.Helper()
	if len(parts) != len(spec.Rewards) {
		t.Fatalf("seed %d step %d: %d reward parts, spec lists %d components", seed, step, len(parts), len(spec.Rewards))
	}
	for i, p := range parts {
		if p.Name != spec.Rewards[i].Name {
			t.Fatalf("seed %d step %d: part %d is %q, spec says %q", seed, step, i, p.Name, spec.Rewards[i].Name)
		}
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			t.Fatalf("seed %d step %d: part %q value %v", seed, step, p.Name, p.Value)
		}
	}
	if reset {
		return
	}
	if sum := dojo.Sum(parts); math.Abs(sum-r) > 1e-9*math.Max(1, math.Abs(r)) {
		t.Fatalf("seed %d step %d: reward %v but parts sum to %v (%v)", seed, step, r, sum, parts)
	}
}

func successValue(spec *dojo.Spec, parts []dojo.Part) float64 {
	for _, p := range parts {
		if p.Name == dojo.SuccessComponent {
			return p.Value
		}
	}
	return 0
}

// checkTaskTools checks that the task of a seed and the first observation
// of its episode show the same tools, in the same order.
func checkTaskTools(t testing.TB, env dojo.Env, g dojo.TaskGenerator) {
	t.Helper()
	ctx := context.Background()
	for _, seed := range []uint64{3, 7922} {
		task, err := g.GenerateTask(ctx, seed)
		if err != nil {
			t.Errorf("GenerateTask(%d): %v", seed, err)
			continue
		}
		obs, _, err := env.Reset(ctx, seed)
		if err != nil {
			t.Fatalf("Reset(%d): %v", seed, err)
		}
		if len(task.Tools) == 0 && len(obs.Tools) == 0 {
			continue
		}
		want := appendJSON(t, nil, "tools", task.Tools)
		got := appendJSON(t, nil, "tools", obs.Tools)
		if !bytes.Equal(want, got) {
			t.Errorf("seed %d: the first observation's Tools are not its task's Tools (the tools the task's prompt shows):\nobservation: %stask:        %s", seed, got, want)
		}
	}
}

func appendJSON(t testing.TB, b []byte, label string, v any) []byte {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: does not marshal to JSON: %v", label, err)
	}
	b = append(b, label...)
	b = append(b, ' ')
	b = append(b, j...)
	return append(b, '\n')
}

func firstDiff(a, b []byte) string {
	la, lb := bytes.Split(a, []byte{'\n'}), bytes.Split(b, []byte{'\n'})
	for i := range la {
		if i >= len(lb) || !bytes.Equal(la[i], lb[i]) {
			s := string(la[i])
			if len(s) > 600 {
				s = s[:600] + "..."
			}
			return s
		}
	}
	return "(same)"
}

var garbage = []string{"", "xyzzy", "<tool_call>{not json</tool_call>", "left right", "\x00\xff", "42"}

// sampleAction draws a mostly valid action with some bad ones mixed in.
func sampleAction(rng *rand.Rand, spec *dojo.Spec) dojo.Action {
	sp := spec.Action
	bad := rng.IntN(10) == 0
	switch sp.Kind {
	case dojo.KindDiscrete:
		if bad {
			if rng.IntN(2) == 0 {
				return dojo.IndexAction(-1 - rng.IntN(3))
			}
			if spec.ObsText || len(sp.Labels) > 0 {
				return dojo.TextAction(garbage[rng.IntN(len(garbage))])
			}
			return dojo.IndexAction(sp.N + rng.IntN(3))
		}
		if len(sp.Labels) > 0 && rng.IntN(4) == 0 {
			return dojo.TextAction(sp.Labels[rng.IntN(len(sp.Labels))])
		}
		return dojo.IndexAction(rng.IntN(sp.N))
	case dojo.KindToolCalls:
		if bad || len(sp.Tools) == 0 || rng.IntN(8) == 0 {
			return dojo.MessageAction(garbage[rng.IntN(len(garbage))])
		}
		tool := sp.Tools[rng.IntN(len(sp.Tools))]
		return dojo.MessageAction("", dojo.ToolCall{ID: fmt.Sprintf("call_%d", rng.IntN(1000)), Name: tool.Name, Arguments: json.RawMessage(`{}`)})
	default:
		if len(sp.Labels) > 0 && !bad {
			return dojo.TextAction(sp.Labels[rng.IntN(len(sp.Labels))])
		}
		return dojo.TextAction(garbage[rng.IntN(len(garbage))])
	}
}

// CheckRegistry runs CheckEnv on every env of reg (or the given ids) with
// default options, each in a parallel subtest, and checks that two
// instances made separately give byte-identical episodes.
func CheckRegistry(t *testing.T, reg *dojo.Registry, ids ...string) {
	Config{}.CheckRegistry(t, reg, ids...)
}

// CheckRegistry is CheckRegistry with the checks c configures.
func (c Config) CheckRegistry(t *testing.T, reg *dojo.Registry, ids ...string) {
	if len(ids) == 0 {
		ids = reg.IDs()
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			env, err := reg.Make(id, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer dojo.Close(env)
			c.CheckEnv(t, env)
			a, _ := reg.Make(id, nil)
			b, _ := reg.Make(id, nil)
			defer dojo.Close(a)
			defer dojo.Close(b)
			spec := a.Spec()
			c := c
			if c.MaxEpisodeSteps == 0 {
				c.MaxEpisodeSteps = min(spec.MaxSteps, 2000)
			}
			ra := c.episode(t, a, &spec, 12345, nil)
			rb := c.episode(t, b, &spec, 12345, ra.actions)
			if !bytes.Equal(ra.transcript, rb.transcript) {
				t.Fatalf("two instances of %s gave different episodes for seed 12345:\n%s\n%s", id, firstDiff(ra.transcript, rb.transcript), firstDiff(rb.transcript, ra.transcript))
			}
		})
	}
}
