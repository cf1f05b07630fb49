package dojo

import "context"

// Agent chooses actions within one episode. AgentMaker makes one per
// episode, so an agent may keep per-episode state without locking.
type Agent interface {
	// Act returns the action to take after observing t.
	Act(ctx context.Context, t Turn) (Action, error)
}

// Turn is what an agent sees before acting: the observation, and the reward
// and info of the step that produced it (zero reward and the reset info on
// the first turn).
type Turn struct {
	Step   int // steps taken so far in the episode
	Obs    Obs
	Reward float64
	Info   Info
}

// AgentFunc lets a function be an Agent.
type AgentFunc func(ctx context.Context, t Turn) (Action, error)

// Act calls f.
func (f AgentFunc) Act(ctx context.Context, t Turn) (Action, error) { return f(ctx, t) }

// EpisodeStart is what an AgentMaker knows when an episode begins.
type EpisodeStart struct {
	Index int    // the episode's index within the run
	Seed  uint64 // the env seed of the episode
	Spec  Spec   // the env's spec
	// Tools are the tools the episode's task offers, in the order its
	// prompt shows them: the first observation's Tools, else
	// Spec.Action.Tools (Obs.ToolsOr). An agent offers these, not the
	// spec's, to a model.
	Tools []Tool
	// Env is the episode's env, for agents that consult it (the oracle
	// asks it for the gold action). Agents must not step it.
	Env Env
	// NewEnv makes a private env with the same id and options, for agents
	// that learn or plan by simulation (tabular Q-learning). Nil when
	// unavailable.
	NewEnv func() (Env, error)
}

// EpisodeEnd reports how an episode ended.
type EpisodeEnd struct {
	Return  float64
	Success bool
	Length  int
	Err     error
}

// AgentMaker makes the agent of each episode. It must be safe for
// concurrent use: the runner's workers share one. For results independent
// of the number of workers, an agent's randomness must derive from
// EpisodeStart.Seed only.
type AgentMaker interface {
	NewAgent(ctx context.Context, ep EpisodeStart) (Agent, error)
}

// AgentMakerFunc lets a function be an AgentMaker.
type AgentMakerFunc func(ctx context.Context, ep EpisodeStart) (Agent, error)

// NewAgent calls f.
func (f AgentMakerFunc) NewAgent(ctx context.Context, ep EpisodeStart) (Agent, error) {
	return f(ctx, ep)
}

// EpisodeEnder is implemented by agents that want to hear how their episode
// ended (learning agents, remote agents).
type EpisodeEnder interface {
	EndEpisode(ctx context.Context, e EpisodeEnd)
}

// UsageReporter is implemented by agents that spend metered resources, such
// as an LLM agent's tokens and requests. The runner records the usage of
// each episode's agent in its episode line.
type UsageReporter interface {
	Usage() map[string]float64
}
