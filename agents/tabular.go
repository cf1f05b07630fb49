package agents

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/dojo-rl/dojo"
)

// Helpers shared by the generic agents (random, oracle, qlearning, bfs).
// Their names start with "tab" to stay clear of the bandit agents' helpers
// in the same package.

// tabMix is SplitMix64's finalizer: it turns related seeds (an episode seed
// and a salt, consecutive training indices) into unrelated ones, so that an
// agent's random stream never mirrors the env's, which is seeded by the same
// episode seed.
func tabMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// tabRNG returns a generator seeded by the episode seed and a salt naming
// its use.
func tabRNG(seed, salt uint64) *rand.Rand {
	a := tabMix(seed ^ salt)
	return rand.New(rand.NewPCG(a, tabMix(a)))
}

// Salts of the agents' random streams.
const (
	tabSaltRandom      = 0x72616e646f6d // "random"
	tabSaltQLearning   = 0x716c6561726e // "qlearn"
	tabSaltQTrain      = 0x7174726169   // "qtrai": seeds of training episodes
	tabSaltBFS         = 0x626673       // "bfs"
	tabSaltNoisyOracle = 0x6e6f697379   // "noisy"
)

// tabState returns the key of an observation in a tabular agent's table.
// An integer Obs.Value (a discrete state, as in FrozenLake) is its own key
// and intState reports it; any other observation is keyed by a 64-bit
// FNV-1a hash of its content: the bytes of []int8 and []uint8 values (grid
// images), the numbers of []int values, otherwise the JSON of Obs.Value, or
// Obs.Text when there is no value. Equal observations get equal keys, so
// the agents also work on structured observations such as MiniGrid's
// partial views; different observations collide with negligible
// probability.
func tabState(o dojo.Obs) (key uint64, intState bool, err error) {
	switch v := o.Value.(type) {
	case int:
		return uint64(v), true, nil
	case int64:
		return uint64(v), true, nil
	case int32:
		return uint64(v), true, nil
	case nil:
		h := fnv.New64a()
		h.Write([]byte(o.Text))
		return h.Sum64(), false, nil
	case []uint8:
		h := fnv.New64a()
		h.Write(v)
		return h.Sum64(), false, nil
	case []int8:
		h := fnv.New64a()
		var b [64]byte
		for len(v) > 0 {
			n := min(len(v), len(b))
			for i := range n {
				b[i] = byte(v[i])
			}
			h.Write(b[:n])
			v = v[n:]
		}
		return h.Sum64(), false, nil
	case []int:
		h := fnv.New64a()
		var b [8]byte
		for _, x := range v {
			binary.LittleEndian.PutUint64(b[:], uint64(x))
			h.Write(b[:])
		}
		return h.Sum64(), false, nil
	}
	j, err := json.Marshal(o.Value)
	if err != nil {
		return 0, false, fmt.Errorf("observation value %T does not marshal to JSON to key a table: %v", o.Value, err)
	}
	h := fnv.New64a()
	h.Write(j)
	return h.Sum64(), false, nil
}

// tabArgmax returns the index of the largest value, ties broken uniformly
// at random so that an untrained table does not always pick action 0.
func tabArgmax(q []float64, rng *rand.Rand) int {
	best, n := 0, 0
	for i, v := range q {
		switch {
		case i == 0 || v > q[best]:
			best, n = i, 1
		case v == q[best]:
			n++
			if rng.IntN(n) == 0 { // reservoir sampling among the ties
				best = i
			}
		}
	}
	return best
}

// tabFloat reads a float parameter in [lo, hi], def when absent.
func tabFloat(p Params, name string, def, lo, hi float64) (float64, error) {
	s, ok := p[name]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, fmt.Errorf("parameter %s=%q: want a number in [%v, %v]", name, s, lo, hi)
	}
	return v, nil
}

// tabInt reads an integer parameter in [lo, hi], def when absent.
func tabInt(p Params, name string, def, lo, hi int) (int, error) {
	s, ok := p[name]
	if !ok {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("parameter %s=%q: want an integer in [%d, %d]", name, s, lo, hi)
	}
	return v, nil
}

// tabBool reads a boolean parameter, def when absent.
func tabBool(p Params, name string, def bool) (bool, error) {
	s, ok := p[name]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("parameter %s=%q: want true or false", name, s)
	}
	return v, nil
}

// tabNeedDiscrete returns an error unless the env's actions are discrete.
func tabNeedDiscrete(agent string, spec *dojo.Spec) error {
	if spec.Action.Kind != dojo.KindDiscrete || spec.Action.N <= 0 {
		return dojo.Errorf(dojo.CodeInvalid, "%s: %s has %s actions; %s needs discrete ones (try random, or an LLM agent)", agent, spec.ID, spec.Action.Kind, agent).WithField("agent")
	}
	return nil
}

// tabNoParams returns an error naming a parameter given to an agent that
// takes none.
func tabNoParams(p Params) error {
	if len(p) == 0 {
		return nil
	}
	return fmt.Errorf("unknown parameter %q: this agent takes no parameters", slices.Sorted(maps.Keys(p))[0])
}
