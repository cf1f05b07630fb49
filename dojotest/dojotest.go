// Package dojotest checks that an environment keeps the dojo contract, as
// testing/fstest checks a file system. Check returns every problem it
// finds in one error (an *Error listing them), for programs such as `dojo
// check`; CheckEnv wraps it for tests. Every registered env passes the
// checks in dojo's own test suite; authors of new envs call CheckEnv from
// theirs:
//
//	func TestConformance(t *testing.T) {
//		env, _ := reg.Make("myfamily/Thing-v0", nil)
//		dojotest.CheckEnv(t, env)
//	}
//
// Check verifies that the spec is valid; that stepping before Reset and
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
	"runtime/debug"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// Config sets how much Check does. The zero value uses the defaults.
type Config struct {
	Seeds          int // episodes of random actions checked for determinism (default 8)
	OracleEpisodes int // episodes driven by the oracle (default 20)
	// MaxEpisodeSteps caps the steps of one random episode (default: the
	// spec's MaxSteps, at most 2000).
	MaxEpisodeSteps int
}

// An Error lists every problem Check found in one env. Each problem says
// what was checked and, for a problem in an episode, its seed and step.
type Error struct {
	Env      string  // the spec's ID
	Problems []error // in the order found
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return e.Env + ": " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", e.Env, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(strings.ReplaceAll(p.Error(), "\n", "\n\t"))
	}
	return b.String()
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *Error) Unwrap() []error { return e.Problems }

// Check checks env, which must be freshly made (not yet reset), with the
// default Config, and returns an *Error listing every problem found, or
// nil.
func Check(env dojo.Env) error { return Config{}.Check(env) }

// Check checks env, which must be freshly made (not yet reset), and returns
// an *Error listing every problem found, or nil. Each part (the spec, Step
// before Reset, the Model, the random episodes, the task tools, the
// Renderer, the Oracle) runs whatever the others found; a problem after
// which a part cannot go on (an error from Reset, a reward that is not the
// sum of its parts) ends that part, and an invalid spec ends the check. A
// panic in the env is a problem of the part it stopped, with its stack.
func (c Config) Check(env dojo.Env) error {
	k := &checker{Config: c.withDefaults(), env: env, spec: env.Spec()}
	k.check()
	if len(k.problems) == 0 {
		return nil
	}
	return &Error{Env: k.spec.ID, Problems: k.problems}
}

// CheckEnv runs Check on env, which must be freshly made (not yet reset),
// with the default Config, and reports its problems with t.Error.
func CheckEnv(t testing.TB, env dojo.Env) { t.Helper(); Config{}.CheckEnv(t, env) }

// CheckEnv runs c.Check on env, which must be freshly made (not yet
// reset), and reports its problems with t.Error.
func (c Config) CheckEnv(t testing.TB, env dojo.Env) {
	t.Helper()
	if err := c.Check(env); err != nil {
		t.Error(err)
	}
}

func (c Config) withDefaults() Config {
	if c.Seeds == 0 {
		c.Seeds = 8
	}
	if c.OracleEpisodes == 0 {
		c.OracleEpisodes = 20
	}
	return c
}

// checker runs the checks on one env and collects their problems. Its
// methods report a problem after which the check goes on with k.errorf,
// and return one after which the part cannot go on as an error.
type checker struct {
	Config
	env      dojo.Env
	spec     dojo.Spec
	problems []error
}

func (k *checker) errorf(format string, args ...any) {
	k.problems = append(k.problems, fmt.Errorf(format, args...))
}

// part runs one part of the check, recording the problem it stops on and
// a panic, as a problem, with the part's name and the stack.
func (k *checker) part(name string, f func() error) {
	defer func() {
		if p := recover(); p != nil {
			k.errorf("%s: panic: %v\n%s", name, p, debug.Stack())
		}
	}()
	if err := f(); err != nil {
		k.problems = append(k.problems, err)
	}
}

func (k *checker) check() {
	if err := k.spec.Validate(); err != nil {
		k.errorf("invalid spec: %v", err)
		return
	}
	if k.MaxEpisodeSteps == 0 {
		k.MaxEpisodeSteps = min(k.spec.MaxSteps, 2000)
	}
	env, spec, ctx := k.env, &k.spec, context.Background()

	k.part("Step before Reset", func() error {
		if _, err := env.Step(ctx, sampleAction(rand.New(rand.NewPCG(1, 2)), spec)); dojo.ErrorCode(err) != dojo.CodeState {
			k.errorf("Step before Reset: got error %v (code %q), want code %q", err, dojo.ErrorCode(err), dojo.CodeState)
		}
		return nil
	})

	if m, ok := env.(dojo.Model); ok {
		k.part("Model", func() error {
			if err := m.MDP().Check(); err != nil {
				k.errorf("Model: %v", err)
			}
			return nil
		})
	}

	k.part("random episodes", func() error {
		for i := range k.Seeds {
			seed := uint64(i)*7919 + 3
			found := len(k.problems)
			first, err := k.episode(env, seed, nil)
			if err != nil {
				return err
			}
			if len(k.problems) > found {
				return nil // replaying it would find the same again
			}
			// Something else in between, then the same episode again.
			if _, err := k.episode(env, seed+1, nil); err != nil {
				return err
			}
			again, err := k.episode(env, seed, first.actions)
			if err != nil {
				return err
			}
			if !bytes.Equal(first.transcript, again.transcript) {
				return fmt.Errorf("seed %d: replaying the same actions after Reset gave a different episode:\nfirst: %s\nagain: %s",
					seed, firstDiff(first.transcript, again.transcript), firstDiff(again.transcript, first.transcript))
			}
		}
		return nil
	})

	if g, ok := env.(dojo.TaskGenerator); ok {
		k.part("task tools", func() error { return k.checkTaskTools(g) })
	}

	if r, ok := env.(dojo.Renderer); ok {
		k.part("Renderer", func() error {
			if _, _, err := env.Reset(ctx, 1); err != nil {
				return fmt.Errorf("Reset: %v", err)
			}
			img := r.Frame()
			if img == nil || img.Bounds().Empty() {
				k.errorf("Renderer: Frame after Reset is empty")
			}
			return nil
		})
	}

	if o, ok := env.(dojo.Oracle); ok {
		k.part("Oracle", func() error {
			wins := 0
			for i := range k.OracleEpisodes {
				seed := uint64(i)*104729 + 11
				won, err := k.oracleEpisode(o, seed)
				if err != nil {
					return err
				}
				if won {
					wins++
				} else if !spec.Stochastic {
					k.errorf("oracle failed on seed %d of a deterministic env", seed)
				}
			}
			if spec.Stochastic && k.OracleEpisodes >= 20 && wins == 0 {
				k.errorf("oracle never succeeded in %d episodes", k.OracleEpisodes)
			}
			return nil
		})
	}
}

type record struct {
	transcript []byte
	actions    []dojo.Action
}

// episode runs one episode of env from seed, with the given actions or
// random ones, checking every step, and returns its JSON transcript.
func (k *checker) episode(env dojo.Env, seed uint64, actions []dojo.Action) (record, error) {
	ctx, spec := context.Background(), &k.spec
	var rec record
	obs, info, err := env.Reset(ctx, seed)
	if err != nil {
		return rec, fmt.Errorf("Reset(%d): %v", seed, err)
	}
	if rec.transcript, err = appendJSON(rec.transcript, "reset", struct {
		Obs  dojo.Obs  `json:"observation"`
		Info dojo.Info `json:"info"`
	}{obs, info}); err != nil {
		return rec, err
	}
	if err := checkParts(spec, seed, 0, 0, info.Parts, true); err != nil {
		return rec, err
	}
	stater, _ := env.(dojo.Stater)
	if stater != nil {
		if rec.transcript, err = checkState(rec.transcript, stater, seed, 0); err != nil {
			return rec, err
		}
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	replay := actions != nil
	for step := 1; ; step++ {
		if replay && step > len(actions) {
			break // the transcripts' comparison tells whether it should have ended
		}
		if !replay && step > k.MaxEpisodeSteps {
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
			return rec, fmt.Errorf("seed %d step %d: Step(%v): %v (a bad action must not be an error)", seed, step, a, err)
		}
		if rec.transcript, err = appendJSON(rec.transcript, fmt.Sprintf("step %d", step), s); err != nil {
			return rec, err
		}
		if stater != nil && (step <= 50 || s.Done()) {
			// The first steps and the last: long episodes stay fast.
			if rec.transcript, err = checkState(rec.transcript, stater, seed, step); err != nil {
				return rec, err
			}
		}
		if math.IsNaN(s.Reward) || math.IsInf(s.Reward, 0) {
			return rec, fmt.Errorf("seed %d step %d: reward %v", seed, step, s.Reward)
		}
		if err := checkParts(spec, seed, step, s.Reward, s.Info.Parts, false); err != nil {
			return rec, err
		}
		if a.Kind == dojo.ActIndex && spec.Action.Kind == dojo.KindDiscrete && (a.Index < 0 || a.Index >= spec.Action.N) && !s.Info.Invalid {
			k.errorf("seed %d step %d: out-of-range action %d not reported as invalid", seed, step, a.Index)
		}
		if s.Info.Invalid && s.Info.Error == "" {
			k.errorf("seed %d step %d: invalid action without an error message", seed, step)
		}
		done := s.Done()
		if sv := successValue(spec, s.Info.Parts); sv != 0 && (!done || !s.Info.Success) {
			k.errorf("seed %d step %d: success component is %v but done=%v success=%v", seed, step, sv, done, s.Info.Success)
		} else if done && s.Info.Success && sv != 1 {
			k.errorf("seed %d step %d: successful episode ended with success component %v, want 1", seed, step, sv)
		}
		if !done && step >= spec.MaxSteps {
			return rec, fmt.Errorf("seed %d: episode still running after max_steps=%d", seed, spec.MaxSteps)
		}
		if done {
			if _, err := env.Step(ctx, a); dojo.ErrorCode(err) != dojo.CodeState {
				k.errorf("seed %d: Step after the end: got %v (code %q), want code %q", seed, err, dojo.ErrorCode(err), dojo.CodeState)
			}
			break
		}
	}
	return rec, nil
}

// checkState checks that the env's State is a JSON object with a string
// kind, and appends it to the transcript, so that replays compare states
// too.
func checkState(transcript []byte, s dojo.Stater, seed uint64, step int) ([]byte, error) {
	b, err := json.Marshal(s.State())
	if err != nil {
		return transcript, fmt.Errorf("seed %d step %d: State does not marshal to JSON: %v", seed, step, err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		return transcript, fmt.Errorf("seed %d step %d: State is %.80s, not a JSON object", seed, step, b)
	}
	var kind string
	if err := json.Unmarshal(obj["kind"], &kind); err != nil || kind == "" {
		return transcript, fmt.Errorf("seed %d step %d: State %.80s has no string member \"kind\" naming its layout", seed, step, b)
	}
	transcript = append(transcript, "state "...)
	transcript = append(transcript, b...)
	return append(transcript, '\n'), nil
}

// oracleEpisode follows the oracle for one episode from seed and tells
// whether it succeeded.
func (k *checker) oracleEpisode(o dojo.Oracle, seed uint64) (bool, error) {
	ctx := context.Background()
	if _, _, err := k.env.Reset(ctx, seed); err != nil {
		return false, fmt.Errorf("Reset(%d): %v", seed, err)
	}
	for step := 1; step <= k.spec.MaxSteps; step++ {
		a, err := o.OracleAction(ctx)
		if err != nil {
			return false, fmt.Errorf("oracle seed %d step %d: %v", seed, step, err)
		}
		s, err := k.env.Step(ctx, a)
		if err != nil {
			return false, fmt.Errorf("oracle seed %d step %d: Step(%v): %v", seed, step, a, err)
		}
		if s.Info.Invalid {
			k.errorf("oracle seed %d step %d: oracle action %v was invalid: %s", seed, step, a, s.Info.Error)
		}
		if s.Done() {
			return s.Info.Success, nil
		}
	}
	k.errorf("oracle seed %d: episode did not end within max_steps", seed)
	return false, nil
}

func checkParts(spec *dojo.Spec, seed uint64, step int, r float64, parts []dojo.Part, reset bool) error {
	if len(parts) != len(spec.Rewards) {
		return fmt.Errorf("seed %d step %d: %d reward parts, spec lists %d components", seed, step, len(parts), len(spec.Rewards))
	}
	for i, p := range parts {
		if p.Name != spec.Rewards[i].Name {
			return fmt.Errorf("seed %d step %d: part %d is %q, spec says %q", seed, step, i, p.Name, spec.Rewards[i].Name)
		}
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			return fmt.Errorf("seed %d step %d: part %q value %v", seed, step, p.Name, p.Value)
		}
	}
	if reset {
		return nil
	}
	if sum := dojo.Sum(parts); math.Abs(sum-r) > 1e-9*math.Max(1, math.Abs(r)) {
		return fmt.Errorf("seed %d step %d: reward %v but parts sum to %v (%v)", seed, step, r, sum, parts)
	}
	return nil
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
func (k *checker) checkTaskTools(g dojo.TaskGenerator) error {
	ctx := context.Background()
	for _, seed := range []uint64{3, 7922} {
		task, err := g.GenerateTask(ctx, seed)
		if err != nil {
			k.errorf("GenerateTask(%d): %v", seed, err)
			continue
		}
		obs, _, err := k.env.Reset(ctx, seed)
		if err != nil {
			return fmt.Errorf("Reset(%d): %v", seed, err)
		}
		if len(task.Tools) == 0 && len(obs.Tools) == 0 {
			continue
		}
		want, err := appendJSON(nil, "tools", task.Tools)
		if err != nil {
			return fmt.Errorf("seed %d: task %v", seed, err)
		}
		got, err := appendJSON(nil, "tools", obs.Tools)
		if err != nil {
			return fmt.Errorf("seed %d: observation %v", seed, err)
		}
		if !bytes.Equal(want, got) {
			k.errorf("seed %d: the first observation's Tools are not its task's Tools (the tools the task's prompt shows):\nobservation: %stask:        %s", seed, got, bytes.TrimSuffix(want, []byte("\n")))
		}
	}
	return nil
}

func appendJSON(b []byte, label string, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("%s: does not marshal to JSON: %v", label, err)
	}
	b = append(b, label...)
	b = append(b, ' ')
	b = append(b, j...)
	return append(b, '\n'), nil
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
			if err := c.checkInstances(reg, id); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkInstances checks that two instances of id made separately give
// byte-identical episodes.
func (c Config) checkInstances(reg *dojo.Registry, id string) error {
	a, err := reg.Make(id, nil)
	if err != nil {
		return err
	}
	defer dojo.Close(a)
	b, err := reg.Make(id, nil)
	if err != nil {
		return err
	}
	defer dojo.Close(b)
	k := &checker{Config: c.withDefaults(), spec: a.Spec()}
	if k.MaxEpisodeSteps == 0 {
		k.MaxEpisodeSteps = min(k.spec.MaxSteps, 2000)
	}
	k.part("two instances", func() error {
		ra, err := k.episode(a, 12345, nil)
		if err != nil {
			return err
		}
		rb, err := k.episode(b, 12345, ra.actions)
		if err != nil {
			return err
		}
		if !bytes.Equal(ra.transcript, rb.transcript) {
			return fmt.Errorf("two instances of %s gave different episodes for seed 12345:\n%s\n%s", id, firstDiff(ra.transcript, rb.transcript), firstDiff(rb.transcript, ra.transcript))
		}
		return nil
	})
	if len(k.problems) == 0 {
		return nil
	}
	return &Error{Env: id, Problems: k.problems}
}
