// Package agents holds dojo's built-in agents: random, the env's oracle and
// baseline policies, classic bandit algorithms (epsilon-greedy, ucb1,
// thompson, linucb), tabular gridworld baselines (qlearning, bfs) and a
// search baseline for question answering (searcher). Each is a
// dojo.AgentMaker found by name with New.
//
// Every agent makes a fresh per-episode state and draws its randomness from
// the episode seed only, so a run's results do not depend on how many
// workers ran it.
package agents

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dojo-rl/dojo"
)

// Params are an agent's parameters, as typed on the command line
// (--agent ucb1:c=2,horizon=100 gives {"c": "2", "horizon": "100"}).
type Params map[string]string

type builtin struct {
	name string
	doc  string
	make func(p Params) (dojo.AgentMaker, error)
}

// builtins lists the agents New knows, in the order List gives them.
var builtins = []builtin{
	{name: "epsilon-greedy", doc: epsilonGreedyDoc, make: newEpsilonGreedy},
	{name: "ucb1", doc: ucb1Doc, make: newUCB1},
	{name: "thompson", doc: thompsonDoc, make: newThompson},
	{name: "linucb", doc: linUCBDoc, make: newLinUCB},
	{name: "random", doc: randomDoc, make: newRandom},
	{name: "oracle", doc: oracleDoc, make: newOracle},
	{name: "baseline", doc: baselineDoc, make: newBaseline},
	{name: "qlearning", doc: qlearningDoc, make: newQLearning},
	{name: "bfs", doc: bfsDoc, make: newBFS},
	{name: "searcher", doc: searcherDoc, make: newSearcher},
}

// BuiltinInfo describes a built-in agent.
type BuiltinInfo struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
}

// List returns the built-in agents, sorted by name.
func List() []BuiltinInfo {
	out := make([]BuiltinInfo, len(builtins))
	for i, b := range builtins {
		out[i] = BuiltinInfo{b.name, b.doc}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// New returns the named built-in agent. spec is "name" or
// "name:key=value,key=value".
func New(spec string) (dojo.AgentMaker, error) {
	name, rest, _ := strings.Cut(spec, ":")
	p := Params{}
	if rest != "" {
		for _, kv := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, dojo.Errorf(dojo.CodeInvalid, "agent %q: parameter %q is not key=value", spec, kv).WithField("agent")
			}
			p[k] = v
		}
	}
	for _, b := range builtins {
		if b.name == name {
			m, err := b.make(p)
			if err != nil {
				return nil, dojo.Errorf(dojo.CodeInvalid, "agent %s: %v", name, err).WithField("agent")
			}
			return m, nil
		}
	}
	names := make([]string, len(builtins))
	for i, b := range builtins {
		names[i] = b.name
	}
	sort.Strings(names)
	return nil, dojo.Errorf(dojo.CodeInvalid, "unknown agent %q (built-in agents: %s)", name, strings.Join(names, ", ")).WithField("agent")
}

// unknownParams returns an error naming the first parameter not in known.
func unknownParams(p Params, known ...string) error {
	var bad []string
	for k := range p {
		ok := false
		for _, x := range known {
			ok = ok || x == k
		}
		if !ok {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("unknown parameter %q (parameters: %s)", bad[0], strings.Join(known, ", "))
}
