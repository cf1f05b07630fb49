// Package audit checks reward profiles exactly on envs with a finite,
// known model: whether a profile keeps the sparse task's optimal policies
// (Audit), and how far apart two reward functions are once the differences
// that cannot change any policy ordering are removed (Distance, the STARC
// distance).
//
// Both work on an env that implements dojo.PartsModel: its exact model
// (dojo.MDP, Gymnasium's P) with the value of every reward component on
// every outcome, on an ordinary step and on the step that reaches the step
// limit (dojo.ModelParts). A profile is a weighting of the components, so
// any built-in profile or weight map of the "reward" option can be
// analysed.
//
// # Audit
//
// Episodes end at a terminating outcome or after MaxSteps steps
// (truncation, as every env and Gymnasium's TimeLimit do). Audit solves
// this finite-horizon problem exactly: the state is the env's state and the
// number of steps taken t = 0..MaxSteps−1, the value after the limit is 0,
// and the step at t = MaxSteps−1 earns the components' truncated values.
// For each profile, backward induction with the discount γ finds the
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
// multiple of it, and d = 1 for a reward and its negation. A reward R is
// one value per outcome of the model (R(s, a, s') with s' the outcome's
// next state), from a profile (Model.Rewards) or a user's table
// (Table, Model.TableRewards).
package audit
