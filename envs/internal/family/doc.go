// Package family is what every env family shares, so that a family keeps
// only what is its own (as MiniGrid's worlds supply only _gen_grid while
// MiniGridEnv owns reset and step):
//
//   - Lifecycle: the misuse errors of the env contract. Step before the
//     first Reset is dojo.ErrNotReset, Step after the episode ended is
//     dojo.ErrEnded, and a done context is dojo.CheckContext's error
//     (code timeout or canceled, wrapping ctx.Err()).
//   - Policy and InvalidOptions: the invalid-action policy, declared once.
//     The options invalid_action ("penalize" or "terminate") and
//     max_invalid (N ≥ 1) have the same names, types, defaults and ranges
//     in every env; only the words saying what an invalid action is differ,
//     and they are InvalidText's fields. Policy.Ends applies the policy:
//     under terminate the episode ends, as a failure, at the N-th invalid
//     action; under penalize it never ends for that reason. Text
//     declares the text option of the envs that describe their state in
//     words.
//   - Index and MustIndex: the index of a reward component looked up by
//     its name in the spec's components, once, when a family builds its
//     table of indices.
//   - Score: a verified response's score from its component values, as
//     every task verifier reports it.
//   - Cache: the one bounded cache of shared read-only worlds (generated
//     databases, data sets, web worlds, shop catalogs, toy-text tables),
//     built once per key, least recently used evicted first past a bound
//     on their total cost.
package family
