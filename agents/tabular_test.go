package agents

import (
	"context"
	"fmt"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/reward"
)

// lakeEnv is a test copy of Gymnasium's FrozenLake: the agent walks a grid
// of frozen cells (F) from S to the goal G avoiding holes (H). Actions are
// 0 left, 1 down, 2 right, 3 up; on slippery ice the agent moves in the
// intended direction or either perpendicular one with probability 1/3
// each. The state is row*ncol+col, reaching G pays 1 and ends the episode,
// a hole ends it with 0, and episodes are truncated after 100 steps. It
// exposes its exact model and a value-iteration oracle, as the gridworld
// family's FrozenLake does, so the generic agents can be tested without it.
type lakeEnv struct {
	spec        dojo.Spec
	grid        []string
	nrow, ncol  int
	slippery    bool
	mdp         *dojo.MDP
	policy      []int
	parts       *reward.Parts
	states      []any // boxed ints, so observations do not allocate
	rng         func() float64
	s, steps    int
	started     bool
	ended       bool
	valueAsGrid bool // Obs.Value is []int{row, col} instead of the int state
	gridBuf     []int
}

var lake4x4 = []string{"SFFF", "FHFH", "FFFH", "HFFG"}

func lakeSpec(slippery bool) dojo.Spec {
	return dojo.Spec{
		ID:             "test/Lake-v0",
		Description:    "a copy of FrozenLake for the agents' tests",
		Observation:    dojo.Discrete(16),
		Action:         dojo.Discrete(4, "left", "down", "right", "up"),
		MaxSteps:       100,
		Stochastic:     slippery,
		Rewards:        []dojo.Component{{Name: "success", Description: "1 on reaching the goal", Shaped: 1}},
		DefaultProfile: "sparse",
		Options:        []dojo.Option{{Name: "is_slippery", Type: dojo.OptBool, Default: false, Description: "slippery ice"}},
	}
}

func newLake(slippery bool) *lakeEnv {
	spec := lakeSpec(slippery)
	e := &lakeEnv{spec: spec, grid: lake4x4, nrow: 4, ncol: 4, slippery: slippery, parts: reward.MustNew(&spec, nil)}
	e.states = make([]any, 16)
	for i := range e.states {
		e.states[i] = i
	}
	e.gridBuf = make([]int, 2)
	e.mdp = e.buildMDP()
	_, e.policy = e.mdp.ValueIteration(0.99, 1e-10)
	return e
}

// lakeRegistry registers the lake with its is_slippery option, and a copy
// of it without model or oracle (test/Plain-v0).
func lakeRegistry() *dojo.Registry {
	reg := &dojo.Registry{}
	reg.MustRegister(lakeSpec(false), func(opts dojo.Options) (dojo.Env, error) {
		return newLake(opts.Bool("is_slippery")), nil
	})
	plain := lakeSpec(false)
	plain.ID = "test/Plain-v0"
	reg.MustRegister(plain, func(opts dojo.Options) (dojo.Env, error) {
		return struct{ dojo.Env }{newLake(opts.Bool("is_slippery"))}, nil
	})
	return reg
}

func (e *lakeEnv) move(s, a int) int {
	r, c := s/e.ncol, s%e.ncol
	switch a {
	case 0:
		c = max(c-1, 0)
	case 1:
		r = min(r+1, e.nrow-1)
	case 2:
		c = min(c+1, e.ncol-1)
	case 3:
		r = max(r-1, 0)
	}
	return r*e.ncol + c
}

func (e *lakeEnv) letter(s int) byte { return e.grid[s/e.ncol][s%e.ncol] }

func (e *lakeEnv) buildMDP() *dojo.MDP {
	n := e.nrow * e.ncol
	m := &dojo.MDP{NS: n, NA: 4, P: make([][][]dojo.Outcome, n), InitialStateDistrib: make([]float64, n)}
	m.InitialStateDistrib[0] = 1
	for s := range n {
		m.P[s] = make([][]dojo.Outcome, 4)
		for a := range 4 {
			if l := e.letter(s); l == 'G' || l == 'H' {
				m.P[s][a] = []dojo.Outcome{{Prob: 1, Next: s, Terminated: true}}
				continue
			}
			dirs, p := []int{a}, 1.0
			if e.slippery {
				dirs, p = []int{(a + 3) % 4, a, (a + 1) % 4}, 1.0/3
			}
			for _, b := range dirs {
				next := e.move(s, b)
				l := e.letter(next)
				o := dojo.Outcome{Prob: p, Next: next, Terminated: l == 'G' || l == 'H'}
				if l == 'G' {
					o.Reward = 1
				}
				m.P[s][a] = append(m.P[s][a], o)
			}
		}
	}
	return m
}

func (e *lakeEnv) Spec() dojo.Spec { return e.spec }
func (e *lakeEnv) MDP() *dojo.MDP  { return e.mdp }
func (e *lakeEnv) obs() dojo.Obs {
	if e.valueAsGrid {
		e.gridBuf[0], e.gridBuf[1] = e.s/e.ncol, e.s%e.ncol
		return dojo.Obs{Value: e.gridBuf}
	}
	return dojo.Obs{Value: e.states[e.s]}
}

func (e *lakeEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	r := tabRNG(seed, 0x1a4e) // the test env's own generator
	e.rng = r.Float64
	e.s, e.steps, e.started, e.ended = 0, 0, true, false
	e.parts.Reset()
	return e.obs(), dojo.Info{Parts: e.parts.Parts()}, nil
}

func (e *lakeEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	switch {
	case !e.started:
		return dojo.Step{}, dojo.ErrNotReset
	case e.ended:
		return dojo.Step{}, dojo.ErrEnded
	}
	e.steps++
	e.parts.Reset()
	var st dojo.Step
	if a.Kind != dojo.ActIndex || a.Index < 0 || a.Index >= 4 {
		st.Info.Invalid, st.Info.Error = true, fmt.Sprintf("action %v: want 0 (left), 1 (down), 2 (right) or 3 (up)", a)
	} else {
		outs := e.mdp.P[e.s][a.Index]
		x, o := e.rng(), outs[len(outs)-1]
		for _, c := range outs {
			if x < c.Prob {
				o = c
				break
			}
			x -= c.Prob
		}
		e.s = o.Next
		st.Terminated = o.Terminated
	}
	success := e.letter(e.s) == 'G'
	if success {
		e.parts.Set(0, 1)
	}
	st.Truncated = !st.Terminated && e.steps >= e.spec.MaxSteps
	e.ended = st.Done()
	st.Obs = e.obs()
	st.Info.Success, st.Info.Parts = success, e.parts.Parts()
	st.Reward = e.parts.Sum()
	return st, nil
}

func (e *lakeEnv) OracleAction(ctx context.Context) (dojo.Action, error) {
	return dojo.IndexAction(e.policy[e.s]), nil
}

func TestLakeConforms(t *testing.T) {
	t.Parallel()
	for _, slippery := range []bool{false, true} {
		dojotest.CheckEnv(t, newLake(slippery))
	}
}

// tabPlay runs one episode of env with the agent made by maker and returns
// whether it succeeded and its length. newEnv may be nil.
func tabPlay(t testing.TB, maker dojo.AgentMaker, env dojo.Env, seed uint64, newEnv func() (dojo.Env, error)) (bool, int) {
	t.Helper()
	ctx := context.Background()
	obs, info, err := env.Reset(ctx, seed)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := maker.NewAgent(ctx, dojo.EpisodeStart{Seed: seed, Spec: env.Spec(), Env: env, NewEnv: newEnv})
	if err != nil {
		t.Fatal(err)
	}
	turn := dojo.Turn{Obs: obs, Info: info}
	for step := 1; ; step++ {
		a, err := agent.Act(ctx, turn)
		if err != nil {
			t.Fatalf("seed %d step %d: %v", seed, step, err)
		}
		s, err := env.Step(ctx, a)
		if err != nil {
			t.Fatalf("seed %d step %d: %v", seed, step, err)
		}
		if s.Info.Invalid {
			t.Fatalf("seed %d step %d: invalid action %v: %s", seed, step, a, s.Info.Error)
		}
		if s.Done() {
			return s.Info.Success, step
		}
		turn = dojo.Turn{Step: step, Obs: s.Obs, Reward: s.Reward, Info: s.Info}
	}
}

func mustNew(t testing.TB, spec string) dojo.AgentMaker {
	t.Helper()
	m, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tabSuccessRate plays episodes on fresh lakes and returns the success rate.
func tabSuccessRate(t testing.TB, agent string, slippery bool, episodes int) float64 {
	t.Helper()
	maker := mustNew(t, agent)
	env := newLake(slippery)
	newEnv := func() (dojo.Env, error) { return newLake(slippery), nil }
	wins := 0
	for i := range episodes {
		if ok, _ := tabPlay(t, maker, env, uint64(1000+i), newEnv); ok {
			wins++
		}
	}
	return float64(wins) / float64(episodes)
}

func TestTabState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		a, b    dojo.Obs
		same    bool
		intKeys bool
	}{
		{"ints", dojo.Obs{Value: 5}, dojo.Obs{Value: 5}, true, true},
		{"different ints", dojo.Obs{Value: 5}, dojo.Obs{Value: 6}, false, true},
		{"int8 grids", dojo.Obs{Value: []int8{1, 2, 3}}, dojo.Obs{Value: []int8{1, 2, 3}}, true, false},
		{"different int8 grids", dojo.Obs{Value: []int8{1, 2, 3}}, dojo.Obs{Value: []int8{1, 2, 4}}, false, false},
		{"byte grids", dojo.Obs{Value: []uint8{9, 8}}, dojo.Obs{Value: []uint8{9, 8}}, true, false},
		{"int slices", dojo.Obs{Value: []int{1, 2}}, dojo.Obs{Value: []int{2, 1}}, false, false},
		{"structs by JSON", dojo.Obs{Value: map[string]any{"dir": 1, "img": []int{1}}}, dojo.Obs{Value: map[string]any{"img": []int{1}, "dir": 1}}, true, false},
		{"text", dojo.Obs{Text: "at the door"}, dojo.Obs{Text: "at the door"}, true, false},
		{"different text", dojo.Obs{Text: "at the door"}, dojo.Obs{Text: "at the key"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, ia, err := tabState(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			kb, _, err := tabState(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if (ka == kb) != tt.same || ia != tt.intKeys {
				t.Errorf("keys %x, %x (int %v): want same=%v int=%v", ka, kb, ia, tt.same, tt.intKeys)
			}
		})
	}
	if _, _, err := tabState(dojo.Obs{Value: make(chan int)}); err == nil {
		t.Errorf("a channel observation gave a key")
	}
}

func TestNewParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		want string // "" for success
	}{
		{"random", ""},
		{"oracle", ""},
		{"oracle:eps=0.25", ""},
		{"oracle:eps=1.5", `agent oracle: parameter eps="1.5": want a number in [0, 1]`},
		{"oracle:p=0.1", `agent oracle: unknown parameter "p" (parameters: eps)`},
		{"bfs", ""},
		{"qlearning", ""},
		{"qlearning:episodes=10,alpha=0.5,gamma=0.9,eps=0,eps_start=0.5,same_seed=true", ""},
		{"random:eps=1", `agent random: unknown parameter "eps": this agent takes no parameters`},
		{"qlearning:alpha=2", `agent qlearning: parameter alpha="2": want a number in [0, 1]`},
		{"qlearning:episodes=many", `agent qlearning: parameter episodes="many": want an integer in [0, 10000000]`},
		{"qlearning:same_seed=maybe", `agent qlearning: parameter same_seed="maybe": want true or false`},
		{"qlearning:lr=0.1", `agent qlearning: unknown parameter "lr" (parameters: episodes, alpha, gamma, eps, eps_start, same_seed)`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := New(tt.spec)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New(%q): %v", tt.spec, err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("New(%q): error %v, want %q", tt.spec, err, tt.want)
			case tt.want != "" && dojo.ErrorField(err) != "agent":
				t.Errorf("error field %q, want agent", dojo.ErrorField(err))
			}
		})
	}
	names := map[string]bool{}
	for _, info := range List() {
		names[info.Name] = info.Doc != ""
	}
	for _, n := range []string{"random", "oracle", "qlearning", "bfs"} {
		if !names[n] {
			t.Errorf("List lacks %s or its doc", n)
		}
	}
}

// TestAgentsRefuseEnvsTheyCannotPlay checks the errors of code invalid that
// make the runner stop at once.
func TestAgentsRefuseEnvsTheyCannotPlay(t *testing.T) {
	t.Parallel()
	plain := struct{ dojo.Env }{newLake(false)}
	textSpec := dojo.Spec{ID: "test/Text-v0", Action: dojo.Space{Kind: dojo.KindText}, Observation: dojo.Space{Kind: dojo.KindNone}}
	boxObs := lakeSpec(false)
	boxObs.Observation = dojo.Space{Kind: dojo.KindBox, Shape: []int{2}}
	tests := []struct {
		agent string
		ep    dojo.EpisodeStart
		want  string
	}{
		{"oracle", dojo.EpisodeStart{Spec: lakeSpec(false), Env: plain}, "oracle: test/Lake-v0 has no oracle (its env does not implement dojo.Oracle); try random, or bfs or qlearning on gridworlds"},
		{"oracle", dojo.EpisodeStart{Spec: lakeSpec(false)}, "oracle: the episode start carries no env to ask (EpisodeStart.Env is nil)"},
		{"bfs", dojo.EpisodeStart{Spec: lakeSpec(false), Env: plain}, "bfs: test/Lake-v0 has no exact model to plan on (its env does not implement dojo.Model); try qlearning or random"},
		{"bfs", dojo.EpisodeStart{Spec: boxObs, Env: newLake(false)}, "bfs: test/Lake-v0 observes box values, not its model's integer states; bfs needs a discrete observation space"},
		{"bfs", dojo.EpisodeStart{Spec: textSpec}, "bfs: test/Text-v0 has text actions; bfs needs discrete ones (try random, or an LLM agent)"},
		{"qlearning", dojo.EpisodeStart{Spec: lakeSpec(false), Env: plain}, "qlearning: no private env to train on (EpisodeStart.NewEnv is nil)"},
		{"qlearning", dojo.EpisodeStart{Spec: textSpec}, "qlearning: test/Text-v0 has text actions; qlearning needs discrete ones (try random, or an LLM agent)"},
		{"random", dojo.EpisodeStart{Spec: dojo.Spec{ID: "test/Dict-v0", Action: dojo.Space{Kind: dojo.KindDict}}}, `random: test/Dict-v0 has a "dict" action space; random plays discrete, text and tool-call spaces`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := mustNew(t, tt.agent).NewAgent(context.Background(), tt.ep)
			if err == nil || err.Error() != tt.want || dojo.ErrorCode(err) != dojo.CodeInvalid {
				t.Fatalf("error %v (code %q), want %q of code invalid", err, dojo.ErrorCode(err), tt.want)
			}
		})
	}
}
