package toytext

import (
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// toyOutcome is one entry of P[s][a], with its reward components.
type toyOutcome struct {
	prob float64
	cum  float64 // cumulative probability within P[s][a], as numpy's cumsum
	gym  float64 // Gymnasium's reward
	pot  float64 // potential shaping, filled in by newToyWorld
	// success and step are the values of the success and step_cost
	// components, and dist the "distance" metric after the step (0 on
	// success), filled in by newToyWorld.
	success, step, dist float64
	next                int32
	move                int8 // the move actually made (slip or rain), -1 for none
	term                bool
	succ                bool
}

// toyGame is what differs between the worlds beyond their tables: the
// text observation and extra metrics.
type toyGame interface {
	// appendText appends the text observation for ev.
	appendText(b []byte, ev toyEvent) []byte
	// metrics appends the family's metrics for state s to m; their names
	// must not depend on s.
	metrics(m dojo.Metrics, s int) dojo.Metrics
	// state describes state s for dojo.Stater.
	state(s int) any
	// task describes the task and its rules for the system message of
	// option instructions, in sentences ending with a space.
	task() string
	// meanings says what each action does, in action order.
	meanings() []string
}

// toyEvent is what a text observation describes.
type toyEvent struct {
	prev, state int
	action      int         // the action of this step; -1 after a reset or an invalid action
	last        int         // Gymnasium's lastaction: the last valid action, -1 for none
	out         *toyOutcome // the outcome drawn; nil after a reset or an invalid action
	invalid     string      // the error of an invalid action
	truncated   bool
	ended       bool // the episode ended by the invalid-action policy
}

// toyBuild is what a family builds: Gymnasium's P (and the deterministic
// variant when P is stochastic), the initial distribution and the absorbing
// terminal states.
type toyBuild struct {
	game      toyGame
	labels    []string
	P         [][][]toyOutcome
	det       [][][]toyOutcome // nil when P is deterministic
	init      []float64
	absorbing []bool
}

// toyWorld is the immutable model of one configured env.
type toyWorld struct {
	game       toyGame
	labels     []string
	nS, nA     int
	off        []int32 // outcomes of (s, a) are out[off[s*nA+a]:off[s*nA+a+1]]
	out        []toyOutcome
	cum        []float64 // out[i].cum, packed for the sampling loop
	init       []float64
	initStates []int32   // states with positive initial probability
	initCum    []float64 // their cumulative probabilities
	absorbing  []bool
	dist       []int32 // fewest actions to success in the deterministic graph, -1 if none
	distNext   []int32 // for each (s, a) of the deterministic graph: next state, or -2 on success, -3 on failure
	phi        []float64
	gamma      float64 // the discount γ of the potential shaping
	stochastic bool
	boxed      []any // boxed states, so Obs.Value does not allocate
	validList  string
	extraNames dojo.Metrics // the family's metrics, values zero
	extra      []float64    // their values, len(extraNames) per state
}

// toyWorlds shares the read-only worlds of envs made with the same map and
// dynamics, so that many envs (a vector of 64 FrozenLakes, thousands of
// served episodes) use one copy of the tables and stay in the CPU's cache.
// It keeps at most toyWorldsMax worlds, the least recently used evicted
// first (an env keeps the world it holds); envs that ask for a world being
// built wait for it and share it.
var toyWorlds = family.NewCache[string, *toyWorld](toyWorldsMax)

const toyWorldsMax = 256

// sharedToyWorld returns the world cached under key, building it with build
// on a miss. key must determine everything build reads.
func sharedToyWorld(key string, build func() *toyWorld) *toyWorld {
	w, err := toyWorlds.Get(key, func() (*toyWorld, int, error) { return build(), 1, nil })
	if err != nil { // the build panicked in the env that ran it: build here
		return build()
	}
	return w
}

func newToyWorld(b toyBuild, gamma float64) *toyWorld {
	nS, nA := len(b.P), len(b.P[0])
	w := &toyWorld{game: b.game, labels: b.labels, nS: nS, nA: nA, init: b.init, absorbing: b.absorbing, gamma: gamma}
	w.off = make([]int32, nS*nA+1)
	for s := range nS {
		for a := range nA {
			outs := b.P[s][a]
			cum, positive := 0.0, 0
			for _, o := range outs {
				cum += o.prob
				o.cum = cum
				if o.prob > 0 {
					positive++
				}
				w.out = append(w.out, o)
			}
			if positive > 1 {
				w.stochastic = true
			}
			w.off[s*nA+a+1] = int32(len(w.out))
		}
	}
	cum := 0.0
	for s, p := range b.init {
		if p > 0 {
			cum += p
			w.initStates = append(w.initStates, int32(s))
			w.initCum = append(w.initCum, cum)
		}
	}
	w.cum = make([]float64, len(w.out))
	for i := range w.out {
		w.cum[i] = w.out[i].cum
	}
	det := b.det
	if det == nil {
		det = b.P
	}
	w.distances(det)
	for s := range nS {
		for i := w.off[s*nA]; i < w.off[(s+1)*nA]; i++ {
			o := &w.out[i]
			if !w.absorbing[s] {
				o.pot = reward.Potential(gamma, w.phi[s], w.phi[o.next], o.term)
				o.step = -1
			}
			if o.succ && !w.absorbing[s] {
				o.success = 1
			}
			o.dist = float64(w.dist[o.next])
			if o.succ {
				o.dist = 0
			}
		}
	}
	w.boxed = make([]any, nS)
	for s := range nS {
		w.boxed[s] = s
		m := w.game.metrics(nil, s)
		if s == 0 {
			for _, x := range m {
				w.extraNames = append(w.extraNames, dojo.Metric{Name: x.Name})
			}
		}
		for _, x := range m {
			w.extra = append(w.extra, x.Value)
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "valid actions are 0..%d or the words ", nA-1)
	sb.WriteString(strings.Join(w.labels, ", "))
	w.validList = sb.String()
	return w
}

// distances computes, by breadth-first search backwards in the
// deterministic graph det, the fewest actions from each state to a
// successful transition, and the potential Φ from them.
func (w *toyWorld) distances(det [][][]toyOutcome) {
	nS, nA := w.nS, w.nA
	w.dist = make([]int32, nS)
	w.distNext = make([]int32, nS*nA)
	preds := make([][]int32, nS)
	var queue []int32
	for s := range nS {
		w.dist[s] = -1
		for a := range nA {
			o := det[s][a][0]
			for _, x := range det[s][a] {
				if x.prob > 0 {
					o = x
					break
				}
			}
			switch {
			case w.absorbing[s]:
				w.distNext[s*nA+a] = -3
			case o.succ:
				w.distNext[s*nA+a] = -2
			case o.term:
				w.distNext[s*nA+a] = -3
			default:
				w.distNext[s*nA+a] = o.next
				preds[o.next] = append(preds[o.next], int32(s))
			}
		}
	}
	for s := range nS {
		for a := range nA {
			if w.distNext[s*nA+a] == -2 && w.dist[s] < 0 {
				w.dist[s] = 1
				queue = append(queue, int32(s))
			}
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, p := range preds[s] {
			if w.dist[p] < 0 {
				w.dist[p] = w.dist[s] + 1
				queue = append(queue, p)
			}
		}
	}
	// An absorbing state entered by a successful transition (FrozenLake's
	// G) is at distance 0.
	for s := range nS {
		for a := range nA {
			for _, o := range det[s][a] {
				if o.succ && w.absorbing[o.next] {
					w.dist[o.next] = 0
				}
			}
		}
	}
	maxD := int32(0)
	for s, d := range w.dist {
		if w.absorbing[s] {
			continue
		}
		maxD = max(maxD, d)
	}
	w.phi = make([]float64, nS)
	for s, d := range w.dist {
		switch {
		case w.absorbing[s]:
			w.phi[s] = 0
		case d < 0:
			w.phi[s] = 0
		default:
			w.phi[s] = 1 - float64(d)/float64(maxD+1)
		}
	}
}

// outcomes returns P[s][a].
func (w *toyWorld) outcomes(s, a int) []toyOutcome {
	i := s*w.nA + a
	return w.out[w.off[i]:w.off[i+1]]
}

// mdp returns the exact model with each outcome's reward computed by
// value.
func (w *toyWorld) mdp(value func(o *toyOutcome) float64) *dojo.MDP {
	m := &dojo.MDP{NS: w.nS, NA: w.nA, P: make([][][]dojo.Outcome, w.nS), InitialStateDistrib: append([]float64(nil), w.init...)}
	for s := range w.nS {
		m.P[s] = make([][]dojo.Outcome, w.nA)
		for a := range w.nA {
			outs := w.outcomes(s, a)
			row := make([]dojo.Outcome, len(outs))
			for i := range outs {
				o := &outs[i]
				row[i] = dojo.Outcome{Prob: o.prob, Next: int(o.next), Reward: value(o), Terminated: o.term}
			}
			m.P[s][a] = row
		}
	}
	return m
}
