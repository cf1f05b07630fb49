package agents

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dojo-rl/dojo"
)

const bfsDoc = "shortest-path planner on the env's exact model (dojo.Model): breadth-first search over the most likely outcome of each action to the goal; " +
	"needs integer states (FrozenLake, CliffWalking, Taxi); optimal on deterministic envs, a heuristic on stochastic ones"

func newBFS(p Params) (dojo.AgentMaker, error) {
	if err := tabNoParams(p); err != nil {
		return nil, err
	}
	return bfsMaker{}, nil
}

// bfsMaker makes agents that plan on the env's exact model (the episode's
// env must implement dojo.Model; its Obs.Value must be the model's state,
// an int).
//
// The plan is a shortest path in the most-likely-outcome graph:
//
//   - The outcomes of each action are merged by (next state, terminated,
//     reward), and only the most probable ones (ties included) are edges.
//   - Goal outcomes are the terminating outcomes with the largest reward
//     of any terminating outcome out of a non-absorbing state (reaching the
//     goal in FrozenLake, reward 1 against 0 for a hole; in CliffWalking,
//     where every step pays −1, the only terminating outcome). Other
//     terminating outcomes are dead ends.
//   - A multi-source breadth-first search backwards from the goal outcomes
//     gives each state its distance d(s) in steps; in state s the agent
//     takes the action minimizing 1 (a goal edge) or 1 + d(s') over its
//     edges, ties broken by the lower probability of a dead end, then the
//     lower index.
//
// The plan covers every state and is looked up from the current state at
// each step, which is replanning: after a slip the agent goes on from where
// it landed. From a state with no path to the goal it picks at random
// (seeded by the episode seed) among the actions least likely to end the
// episode in failure. The model is read at the agent's first action, after
// Reset, so envs whose layout depends on the seed are planned correctly.
//
// On deterministic envs this is a shortest path to the goal; on stochastic
// ones it is an optimistic heuristic (the env's oracle, computed by value
// iteration where there is one, is the optimal policy).
type bfsMaker struct{}

func (bfsMaker) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	if err := tabNeedDiscrete("bfs", &ep.Spec); err != nil {
		return nil, err
	}
	m, ok := ep.Env.(dojo.Model)
	if !ok {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bfs: %s has no exact model to plan on (its env does not implement dojo.Model); try qlearning or random", ep.Spec.ID).WithField("agent")
	}
	if ep.Spec.Observation.Kind != dojo.KindDiscrete {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bfs: %s observes %s values, not its model's integer states; bfs needs a discrete observation space", ep.Spec.ID, ep.Spec.Observation.Kind).WithField("agent")
	}
	return &bfsAgent{model: m, rng: tabRNG(ep.Seed, tabSaltBFS)}, nil
}

type bfsAgent struct {
	model dojo.Model
	plan  *bfsPlan
	rng   *rand.Rand
}

func (a *bfsAgent) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	if a.plan == nil {
		p, err := newBFSPlan(a.model.MDP())
		if err != nil {
			return dojo.Action{}, err
		}
		a.plan = p
	}
	s, ok := t.Obs.Value.(int)
	if !ok {
		return dojo.Action{}, dojo.Errorf(dojo.CodeInternal, "bfs: observation value %T is not an integer state", t.Obs.Value)
	}
	if s < 0 || s >= len(a.plan.policy) {
		return dojo.Action{}, dojo.Errorf(dojo.CodeInternal, "bfs: state %d is outside the model's %d states", s, len(a.plan.policy))
	}
	if act := a.plan.policy[s]; act >= 0 {
		return dojo.IndexAction(act), nil
	}
	safest := a.plan.safest[s]
	return dojo.IndexAction(safest[a.rng.IntN(len(safest))]), nil
}

// bfsOutcome is an outcome of an action with equal outcomes merged.
type bfsOutcome struct {
	next       int
	prob       float64
	reward     float64
	terminated bool
}

type bfsPlan struct {
	policy []int   // action per state, −1 where the goal is out of reach
	safest [][]int // per state out of reach: the actions least likely to fail
	dist   []int   // steps to the goal along most-likely edges, −1 if none
}

const bfsTol = 1e-9

func newBFSPlan(m *dojo.MDP) (*bfsPlan, error) {
	if m == nil || m.NS <= 0 || m.NA <= 0 || len(m.P) != m.NS {
		return nil, dojo.Errorf(dojo.CodeInternal, "bfs: the env's model is empty or malformed")
	}
	// Merge equal outcomes of each action.
	outs := make([][][]bfsOutcome, m.NS)
	absorbing := make([]bool, m.NS)
	for s := range m.NS {
		if len(m.P[s]) != m.NA {
			return nil, dojo.Errorf(dojo.CodeInternal, "bfs: model state %d has %d actions, want %d", s, len(m.P[s]), m.NA)
		}
		outs[s] = make([][]bfsOutcome, m.NA)
		absorbing[s] = true
		for a, os := range m.P[s] {
			var merged []bfsOutcome
		next:
			for _, o := range os {
				if o.Prob <= 0 {
					continue
				}
				if o.Next < 0 || o.Next >= m.NS {
					return nil, dojo.Errorf(dojo.CodeInternal, "bfs: model outcome P[%d][%d] leads to state %d of %d", s, a, o.Next, m.NS)
				}
				if o.Next != s || !o.Terminated {
					absorbing[s] = false
				}
				for i := range merged {
					if merged[i].next == o.Next && merged[i].terminated == o.Terminated && merged[i].reward == o.Reward {
						merged[i].prob += o.Prob
						continue next
					}
				}
				merged = append(merged, bfsOutcome{o.Next, o.Prob, o.Reward, o.Terminated})
			}
			outs[s][a] = merged
		}
	}
	// The goal: the best terminating reward out of a live state.
	goal := math.Inf(-1)
	for s := range m.NS {
		if absorbing[s] {
			continue
		}
		for _, os := range outs[s] {
			for _, o := range os {
				if o.terminated {
					goal = max(goal, o.reward)
				}
			}
		}
	}
	if math.IsInf(goal, -1) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bfs: the model has no terminating outcome, so no goal to plan for").WithField("agent")
	}
	isGoal := func(o bfsOutcome) bool { return o.terminated && o.reward >= goal-bfsTol }
	likely := func(os []bfsOutcome) []bfsOutcome {
		best := 0.0
		for _, o := range os {
			best = max(best, o.prob)
		}
		var out []bfsOutcome
		for _, o := range os {
			if o.prob >= best-bfsTol {
				out = append(out, o)
			}
		}
		return out
	}

	// Multi-source BFS backwards from the states one edge from the goal.
	p := &bfsPlan{policy: make([]int, m.NS), safest: make([][]int, m.NS), dist: make([]int, m.NS)}
	preds := make([][]int, m.NS)
	var queue []int
	for s := range m.NS {
		p.dist[s] = -1
	}
	for s := range m.NS {
		if absorbing[s] {
			continue
		}
		for _, os := range outs[s] {
			for _, o := range likely(os) {
				switch {
				case isGoal(o):
					if p.dist[s] != 1 {
						p.dist[s] = 1
						queue = append(queue, s)
					}
				case !o.terminated:
					preds[o.next] = append(preds[o.next], s)
				}
			}
		}
	}
	for head := 0; head < len(queue); head++ {
		u := queue[head]
		for _, s := range preds[u] {
			if p.dist[s] < 0 {
				p.dist[s] = p.dist[u] + 1
				queue = append(queue, s)
			}
		}
	}

	// The policy: per state, the action of least distance, then least risk.
	for s := range m.NS {
		if absorbing[s] { // the episode is over there: nothing to plan
			p.policy[s] = -1
			for a := range m.NA {
				p.safest[s] = append(p.safest[s], a)
			}
			continue
		}
		bestA, bestD, bestRisk := -1, math.MaxInt, math.Inf(1)
		minRisk := math.Inf(1)
		risks := make([]float64, m.NA)
		for a, os := range outs[s] {
			var risk float64
			for _, o := range os {
				if o.terminated && !isGoal(o) {
					risk += o.prob
				}
			}
			risks[a] = risk
			minRisk = min(minRisk, risk)
			d := math.MaxInt
			for _, o := range likely(os) {
				switch {
				case isGoal(o):
					d = 1
				case !o.terminated && p.dist[o.next] > 0:
					d = min(d, 1+p.dist[o.next])
				}
			}
			if d < bestD || (d == bestD && d != math.MaxInt && risk < bestRisk-bfsTol) {
				bestA, bestD, bestRisk = a, d, risk
			}
		}
		if bestD != math.MaxInt {
			p.policy[s] = bestA
			continue
		}
		p.policy[s] = -1
		for a, r := range risks {
			if r <= minRisk+bfsTol {
				p.safest[s] = append(p.safest[s], a)
			}
		}
	}
	return p, nil
}

// String shows the plan's distances, for debugging and test failures.
func (p *bfsPlan) String() string { return fmt.Sprintf("policy %v dist %v", p.policy, p.dist) }
