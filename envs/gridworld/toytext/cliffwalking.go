package toytext

import (
	"fmt"
	"github.com/dojo-rl/dojo"
)

// CliffWalking actions, numbered as Gymnasium's.
const (
	cwUp = iota
	cwRight
	cwDown
	cwLeft
)

var cwLabels = []string{"up", "right", "down", "left"}

// cwDelta is the move of each action.
var cwDelta = [4][2]int{cwUp: {-1, 0}, cwRight: {0, 1}, cwDown: {1, 0}, cwLeft: {0, -1}}

const (
	cwRows  = 4
	cwCols  = 12
	cwStart = 3 * cwCols        // 36
	cwGoal  = cwRows*cwCols - 1 // 47
	cwLine  = 3*(cwCols-1) + 2  // bytes of a row of the text map, newline included
)

func cliffWalkingSpec() dojo.Spec {
	opts := []dojo.Option{
		{Name: "is_slippery", Type: dojo.OptBool, Default: false, Description: "slippery ground (Gymnasium's CliffWalking-v1 option): the move goes in the chosen direction or to either perpendicular side, each with probability 1/3"},
	}
	opts = append(opts, toyOptions(500, 1, "step limit (Gymnasium registers none for CliffWalking)")...)
	return dojo.Spec{
		ID:             "gridworld/CliffWalking-v0",
		Description:    "CliffWalking (Gymnasium toy text; Sutton and Barto, example 6.6): walk along a 4x12 grid from the bottom-left start to the bottom-right goal; every step costs -1, stepping on the cliff between them costs -100 and sends you back to the start.",
		Observation:    dojo.Space{Kind: dojo.KindDiscrete, N: cwRows * cwCols, Description: "the agent's cell, row*12+col"},
		Action:         dojo.Discrete(4, cwLabels...),
		MaxSteps:       500,
		Rewards:        toyRewards("-1 per step, -100 for stepping on the cliff"),
		Profiles:       toyProfiles(),
		DefaultProfile: "gym",
		Options:        opts,
		Tags:           toyTags(),
	}
}

func newCliffWalking(opts dojo.Options) (dojo.Env, error) {
	key := fmt.Sprintf("CliffWalking|%t|%v", opts.Bool("is_slippery"), opts.Float("gamma"))
	w := sharedToyWorld(key, func() *toyWorld { return buildCliffWalking(opts) })
	return newEnv(w, cliffWalkingSpec(), opts, opts.Int("max_steps"))
}

func buildCliffWalking(opts dojo.Options) *toyWorld {
	c := &cliffWalking{slippery: opts.Bool("is_slippery")}
	b := toyBuild{game: c, labels: cwLabels, init: make([]float64, cwRows*cwCols), absorbing: make([]bool, cwRows*cwCols)}
	b.init[cwStart] = 1
	b.P = c.table(c.slippery)
	if c.slippery {
		b.det = c.table(false)
	}
	c.tail = "Legend: x = you, o = open ground, C = cliff (stepping on it sends you back to the start), T = goal (reaching it ends the episode).\n"
	if c.slippery {
		c.tail += "The ground is slippery: you move in the chosen direction with probability 1/3 and to each side of it with probability 1/3.\n"
	}
	c.tail += "Actions: up, right, down, left.\n"
	return newToyWorld(b, opts.Float("gamma"))
}

// cliffWalking is Gymnasium's CliffWalkingEnv.
type cliffWalking struct {
	slippery bool
	tail     string
}

func cwCliff(r, c int) bool { return r == cwRows-1 && c >= 1 && c <= cwCols-2 }

// table builds P as Gymnasium does: every state, the cliff and the goal
// included, has the outcomes of its moves; a slippery move lists
// (a-1)%4, a and (a+1)%4 with probability 1/3 each.
func (cw *cliffWalking) table(slippery bool) [][][]toyOutcome {
	P := make([][][]toyOutcome, cwRows*cwCols)
	for s := range P {
		r, c := s/cwCols, s%cwCols
		P[s] = make([][]toyOutcome, 4)
		for a := range 4 {
			moves := []int{a}
			if slippery {
				moves = []int{(a + 3) % 4, a, (a + 1) % 4}
			}
			p := 1 / float64(len(moves))
			outs := make([]toyOutcome, len(moves))
			for i, m := range moves {
				nr := min(max(r+cwDelta[m][0], 0), cwRows-1)
				nc := min(max(c+cwDelta[m][1], 0), cwCols-1)
				if cwCliff(nr, nc) {
					outs[i] = toyOutcome{prob: p, next: cwStart, gym: -100, move: int8(m)}
					continue
				}
				next := nr*cwCols + nc
				outs[i] = toyOutcome{prob: p, next: int32(next), gym: -1, term: next == cwGoal, succ: next == cwGoal, move: int8(m)}
			}
			P[s][a] = outs
		}
	}
	return P
}

func (cw *cliffWalking) appendText(b []byte, ev toyEvent) []byte {
	switch {
	case ev.invalid != "":
		b = toyAppendInvalid(b, ev)
	case ev.out == nil:
		b = append(b, "New episode: you stand at the start, left of the cliff."...)
	default:
		m := int(ev.out.move)
		if m != ev.action {
			b = append(b, "You tried to go "...)
			b = append(b, cwLabels[ev.action]...)
			b = append(b, " but slipped and went "...)
		} else {
			b = append(b, "You went "...)
		}
		b = append(b, cwLabels[m]...)
		b = append(b, '.')
		switch {
		case ev.out.gym == -100:
			b = append(b, " You fell off the cliff and are back at the start."...)
		case ev.state == ev.prev:
			b = append(b, " The edge of the grid kept you in place."...)
		}
		if ev.out.succ {
			b = append(b, " You reached the goal: the episode is over."...)
		}
	}
	b = toyAppendEnd(b, ev)
	b = append(b, '\n')
	// Gymnasium's ansi render: " o " cells, the first stripped on the left
	// and the last on the right, x for the agent, T the goal, C the cliff.
	start := len(b)
	for r := range cwRows {
		for c := range cwCols {
			cell := byte('o')
			switch {
			case r == cwRows-1 && c == cwCols-1:
				cell = 'T'
			case cwCliff(r, c):
				cell = 'C'
			}
			if c > 0 {
				b = append(b, ' ')
			}
			b = append(b, cell)
			if c < cwCols-1 {
				b = append(b, ' ')
			}
		}
		b = append(b, '\n')
	}
	r, c := ev.state/cwCols, ev.state%cwCols
	b[start+r*cwLine+3*c] = 'x'
	b = append(b, "\nYou are at "...)
	b = toyAppendRC(b, r, c, ev.state)
	b = append(b, ".\n"...)
	return append(b, cw.tail...)
}

func (cw *cliffWalking) metrics(m dojo.Metrics, s int) dojo.Metrics { return m }

func (cw *cliffWalking) task() string {
	s := "You are playing CliffWalking (Gymnasium's toy text; Sutton and Barto, example 6.6). Your task: walk on a 4x12 grid from the start at the bottom left to the goal T at the bottom right. " +
		"The cells C between them are a cliff: stepping on one costs 100 points and sends you back to the start. Every step costs 1 point, so take a short path that avoids the cliff. " +
		"Reaching T ends the episode as a success. Rows are numbered from 0 at the top and columns from 0 at the left; x marks where you stand. "
	if cw.slippery {
		s += "The ground is slippery: a move goes in the chosen direction with probability 1/3 and to each side of it with probability 1/3. "
	}
	return s + "A move against the edge of the grid keeps you in place. "
}

func (cw *cliffWalking) meanings() []string {
	return []string{"move one row up", "move one column right", "move one row down", "move one column left"}
}
