// Package bandit holds dojo's multi-armed and contextual bandits: the
// classic test beds of exploration (Lattimore and Szepesvári, "Bandit
// Algorithms", 2020), with regret measured exactly because the env knows
// every arm's expected reward.
//
// # Environments
//
//	bandit/Bernoulli-{2,5,10,20}-v0  K arms paying Bernoulli(μ_a); μ_a ~ U[0,1] per seed,
//	                                 or a gap instance (options gap, best_mean)
//	bandit/Gaussian-10-v0            rewards N(μ_a, sigma²), μ_a ~ N(0,1) per seed
//	bandit/Drifting-10-v0            Bernoulli arms whose means follow a Gaussian random
//	                                 walk reflected into [0,1] (the "Brownian restless
//	                                 bandit" of Slivkins and Upfal, COLT 2008)
//	bandit/Linear-10-v0              linear contextual bandit with a shared parameter:
//	                                 each step every arm a shows a feature vector
//	                                 x_{t,a} ∈ R^d, reward x_{t,a}·θ + N(0, sigma²)
//	                                 (Chu et al. 2011, Abbasi-Yadkori et al. 2011)
//
// An instance (the arm means, θ) is drawn from the Reset seed. Two random
// streams are derived from the seed: one for the world (instance, drift,
// contexts), which therefore does not depend on the agent's actions, and one
// for reward noise. So two agents run on the same seed face the same means,
// the same drift path and the same contexts.
//
// The Linear bandit uses the shared-parameter setting: one hidden θ (unit
// norm, uniform on the sphere) for all arms and per-arm features drawn
// uniformly on the unit sphere each step, so every expected reward x·θ lies
// in [-1, 1]. (The "disjoint" setting of Li et al. 2010, with a θ_a per arm
// and one shared context, is a special case of it with block features; the
// linucb agent can fit either model.)
//
// # Episodes
//
// An episode is horizon pulls (option horizon, default 1000; Spec.MaxSteps
// is the horizon). A bandit has no terminal state: the episode is truncated
// after the horizon-th step. The only early end is the "terminate"
// invalid-action policy, which terminates the episode (Terminated) as a
// failure.
//
// # Observation
//
// Bernoulli, Gaussian and Drifting have a single state: Obs.Value is always
// the integer 0 (Spec.Observation is Discrete(1)). Linear's Obs.Value is the
// []float64 of the K×d feature matrix of the coming step, row a being
// x_{t,a}, flattened row-major (Spec.Observation is a float64 Box of shape
// [K, d] within [-1, 1]). The slice is owned by the env and overwritten by
// the next Step or Reset; copy it to keep it.
//
// With the option text=true, Obs.Text (and Obs.Messages, one user message
// with the same content) describe the game for a language agent: the number
// of arms and the horizon, the step count, what the last pull paid (or why
// the last action was invalid), per arm its pulls and mean reward so far
// (and, for Linear, its features), and how to answer.
//
// # Actions
//
// An action pulls one arm: a discrete index 0..K-1, or text naming the arm.
// Arms are named "arm0" to "armK-1". Text is matched case-insensitively after
// trimming spaces; "arm3", "ARM3", "arm 3" and the bare index "3" all name
// arm 3, and the name may be wrapped in <answer>…</answer> (the content of
// the last <answer> tag is used; a missing closing tag is tolerated). An
// out-of-range index or text naming no arm is an invalid action: no arm is
// pulled, the step still counts, the invalid component is -1, and
// Info.Invalid is set with an Info.Error listing the valid arms. An assistant
// message (dojo.ActMessage) is read as text; tool calls are invalid (there
// are no tools).
//
// # Rewards
//
// Let μ_a be the expected reward of arm a at step t (for Linear,
// μ_a = x_{t,a}·θ) and μ* = max_a μ_a. Components, each step:
//
//	success  1 on the last step of the horizon iff the episode succeeded, else 0
//	payout   r_t, the realised reward of the pull (0 for an invalid action)
//	regret   −(μ* − μ_{a_t}), minus the instantaneous pseudo-regret
//	invalid  −1 for an invalid action, else 0
//
// For the regret, an invalid action counts as a pull of the worst arm
// (μ* − min_a μ_a). Profiles:
//
//	native (default)  payout 1: the usual bandit reward
//	sparse            success 1
//	shaped            success 1, regret 1, invalid 1 (payout 0): the pseudo-regret
//	                  has the same expectation as the payout up to the constant μ*,
//	                  so it keeps the optimal policy, without the reward noise
//
// shaped keeps the sparse task's optimum (with or without discounting, the
// horizon as the episode's end): regret is 0 exactly when the pull is a
// best arm of its step and negative otherwise, and invalid only lowers an
// action that counts as the worst arm, so shaped's optimal policies pull a
// best arm at every step — and every such policy succeeds, which is the
// most the sparse reward pays. (The sparse task has more optimal policies,
// any that pulls a best arm on most of the last ⌈horizon/10⌉ steps; shaped
// picks the ones among them with no regret.) Neither term is a step cost
// or an exploration bonus.
//
// Exact model: Bernoulli and Gaussian implement dojo.WorldModel, the model
// of the instance of one Reset seed, which dojo reward audit and dojo
// reward distance use (option --seed; package reward/audit). The arms'
// means are known to the model, so the audit asks what a planner that
// knows the instance would do under each profile, not how fast an agent
// learns: the sparse optimum succeeds surely, and the audit checks that
// each built-in profile's optimal policy is sparse-optimal at every state
// and step (all do). A state is the pulls taken and, in the success
// window, the pulls of a best arm there (horizon 1000: 5,951 states, one
// (state, step) pair each); a Bernoulli pull has outcomes payout 1 and 0
// with probabilities μ_a and 1 − μ_a, a Gaussian pull one outcome paying
// μ_a. Drifting and Linear have no exact model (their means move with a
// random stream) and say so.
//
// The baseline agents of package agents (epsilon-greedy, ucb1, thompson,
// linucb) learn from the step reward, so they need a profile that rewards
// payouts: native. (On the multi-armed bandits shaped works too for the
// agents that do not assume rewards in [0,1], since −regret is the expected
// payout shifted by μ*; on Linear the shift μ* changes with the context,
// which breaks LinUCB's linear model.)
//
// Success is verifiable and does not depend on the profile: the episode
// succeeds iff it reaches the horizon and, in its last W = ⌈horizon/10⌉
// steps, more than half of the steps pulled an arm that was best at that
// step (μ_{a_t} = μ*). On the stationary bandits this means the best arm is
// the one pulled most at the end; on Drifting and Linear "best" is the best
// arm at the time of each pull. The oracle (dojo.Oracle) pulls the best arm
// of the current step, so it always succeeds, and Spec.Stochastic is false.
//
// # Metrics
//
// Info.Metrics, on Reset and every Step, in this order: regret (μ* − μ_{a_t}),
// cumulative_regret (the sum of regret since Reset), best_arm (the index of
// the best arm at that step, the lowest on a tie), payout (r_t) and optimal
// (1 if the best arm was pulled, else 0). The slice is owned by the env.
//
// # Options
//
// Every env: horizon (int, default 1000), text (bool, default false),
// invalid_action ("penalize", the default: the step counts and is penalised;
// or "terminate": the episode terminates as a failure at the max_invalid-th
// invalid action), max_invalid (int ≥ 1, default 1) and reward (the profile).
// Bernoulli: gap (float in [0,1], default 0) and best_mean (default 0.5):
// with gap > 0 the instance has one best arm (chosen by the seed) with mean
// best_mean and every other arm has mean best_mean − gap, the instance of
// gap-dependent regret bounds; with gap 0 the means are uniform in [0,1].
// Gaussian: sigma (reward noise standard deviation, default 1). Drifting:
// drift (standard deviation of each mean's step of the walk, default 0.01).
// Linear: dim (d, default 5) and sigma (noise standard deviation, default 0.1).
//
// # Drifting dynamics
//
// At each step the pull is paid and scored with the current means; then every
// mean moves: μ_a ← reflect(μ_a + drift·N(0,1)), reflect folding the value
// back into [0,1] at both walls. Regret is measured against the best arm of
// the step.
//
// # State
//
// The env describes its current state (dojo.Stater) as a *state.Bandit
// (package github.com/dojo-rl/dojo/envs/state), kind "bandit": the arms'
// means for the coming pull and the best arm, each arm's pulls and summed
// payouts, and the last pull and its payout. The runner records it in
// episode files, and package render draws the arms' estimated against true
// means from it. Step does not compute it.
//
// Observations, reward parts and metrics live in env-owned buffers valid
// until the next Step or Reset. Step with structured observations allocates
// nothing.
//
// # Code
//
// The files follow the layout every family shares: spec.go declares the
// variants' options, reward components and specs, register.go registers
// them, env.go holds Env (Reset, Step, State), oracle.go its oracle and
// text.go the text observation. The episode lifecycle (not reset, ended,
// the context), the invalid-action options and policy, and the lookup of
// component indices by name come from envs/internal/family, shared by
// every family.
package bandit
