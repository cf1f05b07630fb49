package agents

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/dojo-rl/dojo"
)

const qlearningDoc = "tabular Q-learning (Watkins 1989) trained on a private copy of the env before each episode, then greedy. " +
	"Parameters: episodes (training episodes, default 2000), alpha (step size, default 0.1), gamma (discount, default 0.99), " +
	"eps (final ε of ε-greedy exploration, default 0.05), eps_start (initial ε, default 1, decayed linearly to eps over the first half of training), " +
	"same_seed (train on the episode's own seed, for envs whose layout depends on it; default false: seeds derived from it). " +
	"States are integer observations, or hashes of the observation otherwise"

// qlearning is the configuration of the Q-learning agent.
//
// Before each episode it trains a fresh table on a private env
// (EpisodeStart.NewEnv) for Episodes episodes, then plays the episode
// greedily. Training follows Watkins' update
//
//	Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a))
//
// with r + γ·max Q(s') replaced by r when the step terminates the episode
// (a truncated episode still bootstraps: running out of time is not a
// terminal state). Actions are ε-greedy with ε decayed linearly from
// EpsStart to Eps over the first half of the training episodes; greedy
// ties, including in states never seen, break uniformly at random.
//
// States are Obs.Value itself when it is an int (FrozenLake, CliffWalking,
// Taxi); otherwise a 64-bit hash of the observation (see tabState), which
// makes the agent usable on structured observations too, where it learns
// only if the same observations recur.
//
// Training episode t uses the env seed mix(episode seed, t), or the
// episode's own seed with SameSeed (for envs that generate their layout
// from the seed, where learning other layouts would not help). The table
// and every random choice derive from the episode seed; nothing is cached
// across episodes, so results are the same whatever the number of workers.
type qlearning struct {
	episodes      int
	alpha, gamma  float64
	eps, epsStart float64
	sameSeed      bool
}

func newQLearning(p Params) (dojo.AgentMaker, error) {
	if err := unknownParams(p, "episodes", "alpha", "gamma", "eps", "eps_start", "same_seed"); err != nil {
		return nil, err
	}
	q := &qlearning{}
	var err error
	if q.episodes, err = tabInt(p, "episodes", 2000, 0, 10_000_000); err != nil {
		return nil, err
	}
	if q.alpha, err = tabFloat(p, "alpha", 0.1, 0, 1); err != nil {
		return nil, err
	}
	if q.gamma, err = tabFloat(p, "gamma", 0.99, 0, 1); err != nil {
		return nil, err
	}
	if q.eps, err = tabFloat(p, "eps", 0.05, 0, 1); err != nil {
		return nil, err
	}
	if q.epsStart, err = tabFloat(p, "eps_start", 1, 0, 1); err != nil {
		return nil, err
	}
	if q.sameSeed, err = tabBool(p, "same_seed", false); err != nil {
		return nil, err
	}
	return q, nil
}

// qTable maps state keys to action values.
type qTable struct {
	rows map[uint64][]float64
	n    int
}

func (t *qTable) row(s uint64) []float64 {
	r, ok := t.rows[s]
	if !ok {
		r = make([]float64, t.n)
		t.rows[s] = r
	}
	return r
}

func (q *qlearning) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	if err := tabNeedDiscrete("qlearning", &ep.Spec); err != nil {
		return nil, err
	}
	if ep.NewEnv == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "qlearning: no private env to train on (EpisodeStart.NewEnv is nil)").WithField("agent")
	}
	env, err := ep.NewEnv()
	if err != nil {
		return nil, fmt.Errorf("qlearning: making its training env: %w", err)
	}
	defer dojo.Close(env)
	table := &qTable{rows: map[uint64][]float64{}, n: ep.Spec.Action.N}
	rng := tabRNG(ep.Seed, tabSaltQLearning)
	if err := q.train(ctx, env, ep, table, rng); err != nil {
		return nil, err
	}
	return &qAgent{table: table, rng: rng}, nil
}

func (q *qlearning) train(ctx context.Context, env dojo.Env, ep dojo.EpisodeStart, table *qTable, rng *rand.Rand) error {
	spec := env.Spec()
	maxSteps := spec.MaxSteps
	half := max(1, q.episodes/2)
	for t := range q.episodes {
		if err := ctx.Err(); err != nil {
			return dojo.CheckContext(ctx)
		}
		eps := q.eps
		if t < half {
			eps = q.epsStart + (q.eps-q.epsStart)*float64(t)/float64(half)
		}
		seed := ep.Seed
		if !q.sameSeed {
			seed = tabMix(ep.Seed ^ tabMix(tabSaltQTrain+uint64(t)))
		}
		obs, _, err := env.Reset(ctx, seed)
		if err != nil {
			return fmt.Errorf("qlearning: training episode %d: Reset: %w", t, err)
		}
		s, _, err := tabState(obs)
		if err != nil {
			return fmt.Errorf("qlearning: %w", err)
		}
		for range maxSteps {
			qs := table.row(s)
			var a int
			if rng.Float64() < eps {
				a = rng.IntN(table.n)
			} else {
				a = tabArgmax(qs, rng)
			}
			st, err := env.Step(ctx, dojo.IndexAction(a))
			if err != nil {
				return fmt.Errorf("qlearning: training episode %d: Step: %w", t, err)
			}
			next, _, err := tabState(st.Obs)
			if err != nil {
				return fmt.Errorf("qlearning: %w", err)
			}
			target := st.Reward
			if !st.Terminated {
				nq := table.row(next)
				best := nq[0]
				for _, v := range nq[1:] {
					best = max(best, v)
				}
				target += q.gamma * best
			}
			qs[a] += q.alpha * (target - qs[a])
			if st.Done() {
				break
			}
			s = next
		}
	}
	return nil
}

// qAgent plays greedily on a trained table.
type qAgent struct {
	table *qTable
	rng   *rand.Rand
	zeros []float64
}

func (a *qAgent) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	s, _, err := tabState(t.Obs)
	if err != nil {
		return dojo.Action{}, fmt.Errorf("qlearning: %w", err)
	}
	row, ok := a.table.rows[s]
	if !ok {
		if a.zeros == nil {
			a.zeros = make([]float64, a.table.n)
		}
		row = a.zeros // never seen in training: any action
	}
	return dojo.IndexAction(tabArgmax(row, a.rng)), nil
}
