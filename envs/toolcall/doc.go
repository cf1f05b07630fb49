// Package toolcall holds dojo's tool-use worlds: generated multi-turn tasks
// in which a function-calling agent serves a user's request by calling tools
// with JSON arguments against simulated, stateful back ends, and is judged
// on the world's end state and its final answer. It follows the setting of
// the Berkeley Function Calling Leaderboard (BFCL: single, parallel and
// multi-turn calls, irrelevance detection) and scores with ToolRL's reward
// (Qian et al., "ToolRL: Reward is All Tool Learning Needs", 2025) as the
// "toolrl" profile.
//
// # Environments
//
//	toolcall/Bank-v0      accounts, balances, transfers with per-transfer limits and insufficient funds
//	toolcall/Calendar-v0  events in UTC, creation in seven fixed-offset time zones, conflicts, moves
//	toolcall/Shop-v0      catalogue search, stock, orders and refunds
//	toolcall/Travel-v0    flight search (cheapest first) and booking, full flights, cancellation
//	toolcall/Files-v0     a small virtual file system: list, read, write (no silent overwrite), move, delete
//	toolcall/Contacts-v0  contact lookup and messages by sms (needs a phone) or email
//	toolcall/Utility-v0   stateless: calculator, unit conversion, currency conversion at fixed rates
//	toolcall/Mixed-v0     any of the above per seed (parallel tasks mix two domains)
//
// # Tasks
//
// A seed selects a task (GenerateTask; Reset(seed) plays the same one): a
// templated user request with seeded names and values, the initial world,
// the tools shown (the domain's own plus option distractors tools of other
// domains, in a seeded order) and, in Task.Verify, the gold: the initial
// and expected end world, the facts the final answer must state (each with
// aliases: 1250, 1,250, 1250.00 and 1,250.00 for a number), one gold call
// sequence grouped in turns, and a gold final answer. The gold calls run on
// the back ends at generation time, so ids, balances and facts are the back
// ends' own. Kinds (option kind):
//
//	single       one call (a transfer, an order, a booking, a calculation ...)
//	parallel     two independent single requests in one message: both calls in one turn
//	multi        hops sub-requests, each a lookup whose result feeds the next call
//	             (find the accounts, then transfer; search, then order the SKU found)
//	irrelevance  no tool applies: the right move is to answer, without calling, that it cannot be done
//	recovery     the first natural call fails (insufficient funds, a conflict, out of stock, a full
//	             flight, an existing file, no phone, an unsupported currency) and the request says
//	             what to do instead
//	mixed        one of the five, drawn per seed (the default)
//
// World state is a plain value (World: table → key → record of scalars)
// that is cloned, compared and rendered canonically (JSON, sorted keys).
// Records created by calls get ids derived from their content, so calls
// made in another order than the gold's reach the same end state.
//
// # Observation
//
// Obs.Messages (and Obs.Text, the same as "[role] content" paragraphs). On
// Reset: a system message stating the call format and listing the task's
// tools as JSON, and the user's request. After a turn with calls: one tool
// message per call (role "tool", tool_call_id, name, content: the result as
// JSON, or {"error": "..."} naming the problem). The step of the final
// answer has only a closing Text. Obs.Value is unused (Spec.Observation is
// "none").
//
// Tools vary per task while a Spec is per env, so Spec.Action.Tools lists
// every tool of the env (of every domain for Mixed), and each task's shown
// subset, in the order the system message lists it, is in Task.Tools, in
// the first observation's Obs.Tools (which agents offer a model) and in
// Info.Extra["tools"] on Reset (with "kind" and "domains"). Calling a tool
// that exists but was not shown is an invalid call, as is an unknown tool.
//
// # Actions
//
// An assistant turn: dojo.ActMessage with ToolCalls (OpenAI format), or
// text (dojo.ActText, or an ActMessage without ToolCalls) holding
// <tool_call>{"name": ..., "arguments"|"parameters": {...}}</tool_call>
// blocks, optionally after <think>...</think>, read with
// reward.ParseToolCalls. The calls of a turn run in order; those past
// option max_calls_per_turn (default 32) are refused, unrun, each an
// invalid call whose result names it ("call 33 of 40 refused:
// max_calls_per_turn is 32"). A turn without
// calls is the final answer and terminates the episode (a <response> wrapper
// is removed); a turn whose only blocks are malformed is not an answer: it
// gets a user message naming the problem, and the episode goes on. After
// option max_turns turns the episode is truncated.
//
// Arguments are validated against the tool's JSON Schema
// (github.com/santhosh-tekuri/jsonschema/v6; schemas are compiled once and
// shared); a call that fails validation or names an unknown tool is invalid:
// its tool message names the problem (for example {"error": "transfer:
// invalid arguments: argument amount: exclusiveMinimum: got -5, want 0"})
// and the world is unchanged. A valid call the back end refuses (insufficient funds, a
// conflict) is not invalid: it is the world's answer, which recovery tasks
// rely on. No call panics or leaves a partial change.
//
// # Success
//
// On the final answer the episode succeeds iff (1) the world equals the
// gold end state; (2) the answer states every fact; (3) the agent called
// tools iff the gold does: at least one successful call on tasks with gold
// calls (so an answer guessed from the request cannot succeed), none at all
// on irrelevance tasks; (4) the answer is not stuffed: it holds at most
// max(12, 2n+4) distinct digit runs, n being those of the gold answer.
// Truncation and the terminate policy end the episode as a failure.
//
// # Rewards
//
// Components, each step (G the gold calls, C_t the episode's calls after
// turn t, S the records the gold changes, A_t those the world holds in their
// gold state after turn t):
//
//	success             1 on the final answer iff the episode succeeds, else 0
//	format              −1 for a malformed turn (a broken <tool_call> block, arguments
//	                    that are not a JSON object, an empty final answer), else 0
//	correctness         MatchCalls(G, C_t) − MatchCalls(G, C_{t−1}), reward.MatchCalls being
//	                    the F1 of matched calls (same name, equal JSON arguments), so the
//	                    episode's sum is MatchCalls(G, C_T) − MatchCalls(G, ∅)
//	progress            (|A_t| − |A_{t−1}|) / |S| (0 when S is empty)
//	invalid             −1 per invalid call of the turn
//	efficiency          −1 per call made when the episode already has |G| calls
//	toolrl_format       on the last step: 1 iff every text the agent wrote matches ToolRL's
//	                    format pattern for its turn (reward.ToolRLFormat: a call turn as a
//	                    ground truth with <tool_call> and no <response>; the final answer as
//	                    one with <response> and no call), structured tool_calls counting as
//	                    well formed; else 0
//	toolrl_correctness  on the last step: reward.ToolRLCorrectness(G, C_T) in [−3, 3]
//	                    (0 when G is empty)
//
// An episode maps onto ToolRL's single-turn reward by concatenation: all its
// calls are the predicted calls and all the gold turns the ground-truth
// calls; for a single completion (VerifyTask with Response.Text), the
// format part is exactly reward.ToolRLFormat(text, G ≠ ∅, G = ∅) and the
// reward exactly ToolRL's.
//
// Profiles: shaped (default): success 1, format 0.1, correctness 0.5,
// progress 0.5, invalid 0.1, efficiency and ToolRL parts 0; shaped+cost:
// shaped with efficiency 0.05 (the shaped of earlier versions); sparse:
// success 1; toolrl: toolrl_format 1, toolrl_correctness 1 (ToolRL's
// default reward, in [−3, 4], on the last step).
//
// What shaped keeps of the sparse task's optimum (undiscounted): the gold
// calls followed by an answer stating the required facts earn the most of
// every term at once — success 1, correctness 1 (the F1 of the calls
// against the gold's), progress 1 (every gold state change held), no
// format or invalid penalty — so the gold policy is optimal under both.
// The format and invalid penalties only lower malformed turns and calls
// that fail validation. correctness and progress are partial credit (their
// Δs sum to the final F1 and share, not to 0) and can change the optimum
// where success is uncertain: a policy that surely makes every gold call
// but leaves a required fact out of its answer earns 0.5 + 0.5 = 1 and
// never succeeds; one that succeeds 40% of the time and otherwise makes no
// call earns 0.4·2 = 0.8: shaped prefers the first, the sparse task the
// second. They stay in shaped because multi-call tasks give almost no
// signal without them and because, bounded by 1 together, no failing
// episode outscores a successful one; sparse (or toolrl) is there when the
// optimum must be the sparse one. A cost per call beyond the gold's count
// is not in shaped: it rewards skipping a lookup the answer may need.
//
// Metrics (Info.Metrics, owned by the env): turn, calls, invalid_calls,
// gold_calls, progress (|A_t|/|S|, 1 when S is empty).
//
// # Verification without an episode
//
// VerifyTask scores a response to a generated task (the gold from
// Task.Verify, or regenerated from Task.Seed when Verify is absent):
// Response.Messages replays each assistant message as a turn on the
// initial world (tool messages are ignored: results are recomputed);
// Response.Text is one completion whose calls run as one turn and whose
// remaining text, if any, is the final answer (a completion of calls only,
// ToolRL's setting, cannot succeed but gets every other part). The Score has the same parts, summed
// over the turns. dojo gen and dojo verify use GenerateTask and VerifyTask.
//
// # Oracle
//
// OracleAction plays the gold turns (structured tool calls) and then the
// gold answer as "<think>…</think>\n<response>…</response>"; it succeeds on
// every generated task, with ToolRL's maximum 4 under the toolrl profile.
//
// # Options
//
// kind (above; default mixed), distractors (int 0..20, default 2), hops
// (int 1..3, default 1: multi tasks), max_turns (int 1..100, default 10;
// Spec.MaxSteps), max_calls_per_turn (int 1..1000, default 32), invalid_action ("penalize", the default, or "terminate":
// the episode terminates as a failure once max_invalid calls were invalid),
// max_invalid (default 1) and reward.
//
// Time zones are fixed offsets (the calendar's week is in January 2027,
// when none of them observes daylight saving time): UTC, Europe/London 0,
// Europe/Paris +1, Europe/Athens +2, America/New_York −5,
// America/Los_Angeles −8, Asia/Tokyo +9. Exchange rates per US dollar: EUR
// 0.92, GBP 0.79, JPY 150, CAD 1.36, AUD 1.52, INR 83; CHF is unsupported.
//
// # Code
//
// The files follow the layout every family shares: spec.go declares the
// envs' options, reward components and specs, register.go registers them,
// env.go holds Env (Reset, Step), oracle.go its oracle, tasks.go the task
// generator (generate, GenerateTask) and verifier (VerifyTask), and
// state.go the state of one attempt at a task (the episode type, which
// VerifyTask replays too). Each tool world has its file, domain_<name>.go
// (bank, calendar, shop, travel, files, contacts, utility), beside
// domain.go (the domain type), tools.go (schemas, argument checks, running
// a call), world.go (the world's tables and facts), builder.go (the task
// builder) and calc.go (the calculator's expressions). The episode
// lifecycle (not reset, ended, the context), the invalid-action options
// and policy, and the lookup of component indices by name come from
// envs/internal/family, shared by every family.
package toolcall
