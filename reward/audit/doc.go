// Package audit checks reward profiles exactly on envs with a finite,
// known model: whether a profile keeps the sparse task's optimal policies
// (Audit), and how far apart two reward functions are once the differences
// that cannot change any policy ordering are removed (Distance, the STARC
// distance).
//
// Both work on an env with an exact model (dojo.MDP, Gymnasium's P) with
// the value of every reward component on every outcome, on an ordinary
// step and on the step that reaches the step limit (dojo.ModelParts): one
// that implements dojo.PartsModel (the toy-text worlds, whose model does
// not depend on the Reset seed) or dojo.WorldModel (the model of the world
// of one Reset seed, built on demand: the MiniGrid worlds and the
// Bernoulli and Gaussian bandits; FromEnv takes the seed and a cap on the
// states, MaxStates = 200,000 by default, above which the model is
// refused with an error naming the cap). A profile is a weighting of the
// components, so any built-in profile or weight map of the "reward"
// option can be analysed.
//
// # Models built by enumeration
//
// A MiniGrid world's model is found by a breadth-first search from the
// reset state of the seed over the states the env can reach: the agent's
// cell and heading, the carried object, and every door (open, closed,
// locked), key, ball and box where it lies. Every transition is the env's
// own Step from a restored state, so the model is the env's rules, not a
// copy of them. The cap counts these states; the solver's pairs are
// states × step limit (below), capped separately by MaxStateSteps.
// MiniGrid's reward 1 − 0.9·t/T depends on the step count t: the model
// gives it as the success indicator times a factor per step
// (dojo.ModelParts.StepScale), which the audit applies at each t. The
// explore bonus counts the visits of the episode, which no state holds: it
// is listed in dojo.ModelParts.Unmodelled, and a profile that weighs it
// (the "explore" preset) is refused with an error naming the component
// (the dojo reward audit command lists the built-in ones it leaves out).
//
// A bandit's model is its instance: the arms' means of the seed, known to
// the model. The audit then asks what each profile's optimal policy does
// given the instance — whether a reward profile would lead a planner who
// knows the means to the sparse task's optimum — not how well an agent
// learns. A state is the number of pulls taken and, within the success
// window (the last ⌈horizon/10⌉ pulls), how many of them pulled a best arm
// (dojo.ModelParts.StateSteps tells the solver the pulls, so it solves one
// pair per state). A Bernoulli pull has two outcomes (payout 1 with
// probability μ_a, else 0), a Gaussian pull one, its payout the mean μ_a
// (the noise changes no expected return). The sparse optimum succeeds
// surely, by pulling a best arm throughout the window; every built-in
// profile of the Bernoulli and Gaussian bandits keeps it. Drifting and
// Linear have no exact model: their means move with a random stream.
//
// # Audit
//
// Episodes end at a terminating outcome or after MaxSteps steps
// (truncation, as every env and Gymnasium's TimeLimit do). Audit solves
// this finite-horizon problem exactly: the state is the env's state and the
// number of steps taken t = 0..MaxSteps−1, the value after the limit is 0,
// and the step at t = MaxSteps−1 earns the components' truncated values;
// r_t is the profile's weighted sum of the components, a step-scaled
// component c counting as its value times StepScale[c][t] (the step that
// brings the count to t+1). For each profile, backward induction with the discount γ finds the
// optimal value
//
//	Q_t(s, a) = Σ_k p_k·(r_t(s, a, k) + γ·[not terminal_k]·V_{t+1}(s'_k)),   V_t(s) = max_a Q_t(s, a)
//
// and the policy that takes, in each (s, t), the lowest action reaching
// the maximum. The same pass evaluates that policy on the sparse task
// (reward 1 on success): its expected discounted sparse return
// E[Σ_t γ^t·success_t] and its success probability within the step limit,
// from the initial distribution, and counts the (s, t) pairs where its
// action is not optimal for the sparse task (a sparse Q below the sparse
// optimum by more than Tol·max(1, |V*|)). A profile preserves the optimum
// when there is no such pair: every optimal policy it yields is optimal for
// the sparse task, at every step. Otherwise the report gives the loss of
// sparse return from the start and the change of success probability.
//
// Potential-based shaping F = γ·Φ(s') − Φ(s) (Ng, Harada and Russell,
// "Policy invariance under reward transformations", ICML 1999) keeps the
// optimal policies of this finite-horizon problem exactly when Φ(s') is
// taken as 0 on every step that ends the episode, terminated or truncated:
// the shaping then sums to −Φ(s0) over every episode, whatever the policy.
// The envs' potential components do so.
//
// # STARC distance
//
// Skalse, Farnik, Motwani, Jenner, Gleave and Abate, "STARC: A General
// Framework for Quantifying Differences Between Reward Functions" (ICLR
// 2024), define a STARC metric as d(R1, R2) = m(s(R1), s(R2)) with
// s(R) = c(R)/n(c(R)) (s(R) = c(R) when n(c(R)) = 0), where c is a
// canonicalisation function — linear, with c(R) − R a potential shaping
// plus an S'-redistribution, and c(R1) = c(R2) exactly when R1 and R2
// differ by those — n a norm and m a metric. This package uses the paper's
// Value-Adjusted Levelling canonicalisation, under the model's transitions
// τ and the discount γ, with π the uniformly random policy:
//
//	c(R)(s, a) = E_{S'~τ(s,a)}[R(s, a, S') − V^π(s) + γ·V^π(S')]
//
// (V^π(S') = 0 when the outcome terminates, the infinite-horizon discounted
// setting of the paper, without the step limit), n the L2 norm over
// state-action pairs (c(R) does not depend on s'), and m the L2 distance,
// halved so that d lies in [0, 1]:
//
//	d(R1, R2) = ½·‖s(R1) − s(R2)‖₂
//
// So d = 0 for a reward and its potential-shaped version or a positive
// multiple of it, and d = 1 for a reward and its negation. Distance
// compares rewards of the state, R(s, a, s'): a profile that weighs a
// component depending on the step count (MiniGrid's minigrid, and so its
// shaped profile) or an unmodelled one is refused with an error naming
// it, and γ must be below 1 (the bandits have no discount of their own:
// their models' γ is 1, so give one).
//
// FiniteDistance is the same construction on the finite-horizon problem
// the audit solves: the state is (s, t) with t the steps taken, the reward
// R_t may depend on t and takes its truncated values on the last step, V^π
// is found by backward induction (0 after the step limit, so γ = 1 is
// allowed), and the norms run over the (s, t, a) triples:
//
//	c(R)(s, t, a) = E_{S'~τ(s,a)}[R_t(s, a, S') + γ·V^π_{t+1}(S')] − V^π_t(s)
//
// The envs' potential terms, with Φ(s') = 0 on the step that ends the
// episode, terminated or truncated, are potential shapings of this model,
// so a profile and the same profile with its potential term are at
// distance 0 there (on MiniGrid, minigrid and shaped). On a bandit, whose
// model counts the pulls, the expected payout and minus the regret differ
// by μ* a pull, a potential shaping too: they are at distance 0 under
// either construction. A reward R is
// one value per outcome of the model (R(s, a, s') with s' the outcome's
// next state), from a profile (Model.Rewards) or a user's table
// (Table, Model.TableRewards).
package audit
