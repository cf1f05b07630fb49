// Package dojo holds the domain types of the dojo suite: environments,
// their specs, observations, actions, steps, reward parts, agents and the
// registry that makes environments by id. It depends on nothing else in the
// module; every environment family, the runner, the protocol and the CLI are
// built on these types.
//
// The contract follows Gymnasium's: Reset(seed) starts an episode
// deterministically, Step(action) advances it and reports Terminated (a
// terminal state was reached) separately from Truncated (a step or time limit
// cut the episode short). A bad action by the agent is not an error: the env
// answers with an observation that explains the problem and sets
// Info.Invalid. Misuse by the caller (stepping before Reset or after the end)
// is an error with code CodeState.
package dojo

import (
	"context"
	"image"
)

// Env is an environment. Implementations are not safe for concurrent use;
// parallel episodes use one Env each.
//
// Observations, reward parts and metrics returned by Reset and Step may live
// in buffers owned by the env that stay valid until the next call to Step or
// Reset. A caller that keeps them longer copies them (see Step.Clone).
type Env interface {
	// Spec describes the env as configured: its id, spaces, reward
	// components, options and limits.
	Spec() Spec
	// Reset starts a new episode. The same id, options and seed give a
	// byte-identical first observation, and the same actions afterwards
	// give byte-identical steps.
	Reset(ctx context.Context, seed uint64) (Obs, Info, error)
	// Step applies an action. It returns an error only on misuse (no
	// episode in progress, canceled context) or an internal failure;
	// an invalid action is reported in the returned Step's Info.
	Step(ctx context.Context, a Action) (Step, error)
}

// Renderer is implemented by envs that draw their current state
// themselves. The protocol's env/render uses it when present; otherwise it
// draws the env's State (see Stater) or its last observation with package
// render, as the episode files are drawn.
type Renderer interface {
	Frame() image.Image
}

// Stater is implemented by envs that can describe their full current state
// as a small JSON value: what a picture of the episode needs beyond its
// observations (the whole map behind an egocentric view, a toy-text
// world's tiles behind its state index, a bandit's hidden means). The
// runner records it with each step of an episode file, and package render
// draws episodes from it, without the env. It is not part of Step, so the
// hot path never pays for it: only the recording of steps calls it.
//
// State must marshal (with encoding/json) to a JSON object whose "kind"
// member names its layout (for example "minigrid" or "bandit"); the env's
// package documents the members. The value may share the env's buffers
// until the next Step or Reset (the caller marshals it at once). The same
// episode gives the same states.
type Stater interface {
	State() any
}

// Oracle is implemented by envs that know a good action in the current
// state: the gold solution of a task, a shortest path, or an optimal policy
// computed on the exact model. On deterministic envs (Spec.Stochastic false)
// following the oracle from Reset must succeed.
type Oracle interface {
	OracleAction(ctx context.Context) (Action, error)
}

// Baseliner is implemented by envs that provide baseline policies: named
// heuristics (WebShop's rule baseline, a random clicker) that the baseline
// agent plays, as the oracle agent plays OracleAction. They give a
// benchmark its reference points between random and the oracle.
type Baseliner interface {
	// Baselines lists the policies' names, the default first.
	Baselines() []string
	// BaselineAction returns the named policy's action in the current
	// state.
	BaselineAction(ctx context.Context, policy string) (Action, error)
}

// DataChecker is implemented by envs that serve an external data set (a
// benchmark's question file and databases, read from a folder an option
// names). CheckData loads the data, as the first Reset would, and reports
// on it: an error with code CodeNotFound when the data is absent (saying
// where it was looked for and which option points elsewhere), else
// notices, one sentence each, about the part of the data the env skips and
// why ("62 of 1034 questions skipped: database wta_1 not found under
// DIR"). Envs made with the same options give the same notices, so a
// program prints them once per run, not per episode or per env.
type DataChecker interface {
	CheckData(ctx context.Context) (notices []string, err error)
}

// Model is implemented by envs with a finite, exactly known transition
// model, as Gymnasium's toy-text envs expose it in P.
type Model interface {
	MDP() *MDP
}

// MDP is an exact finite Markov decision process in Gymnasium's layout:
// P[s][a] lists the outcomes of action a in state s.
type MDP struct {
	NS                  int           `json:"nS"`
	NA                  int           `json:"nA"`
	P                   [][][]Outcome `json:"P"`
	InitialStateDistrib []float64     `json:"initial_state_distrib"`
}

// Outcome is one possible result of an action: Gymnasium's
// (prob, next_state, reward, terminated) tuple.
type Outcome struct {
	Prob       float64
	Next       int
	Reward     float64
	Terminated bool
}
