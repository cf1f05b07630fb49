// Package bench benchmarks agents on suites of dojo envs and reports the
// results as a paper would: per env and overall, with confidence
// intervals, in JSON, Markdown and PNG plots. It also compares two runs,
// measures throughput, and analyses how reward parts track success (the
// reward lab).
//
// # Suites
//
// A Suite is a named, versioned list of entries (an env id, options, a
// number of tasks and the first seed): core-v1 covers every family with the
// defaults a paper would quote; llm-v1 covers every family in text or chat
// form, each first message stating the task, the action words or tools and
// the reply format, at horizons an LLM can afford (at most 4,965 requests a
// trial). Its Manifest resolves the entries against a registry (every option with its
// default) and hashes the canonical JSON of the work with SHA-256, so two
// reports with the same manifest hash played the same envs, options and
// seeds. An env of the suite that the registry does not know fails the run,
// naming it. Suites can also be read from JSON files (ReadSuite).
//
// # Runs
//
// Run plays every entry with an agent through the runner, Trials times per
// task, into a directory: run.json (the manifest, the agent, the
// references), one episode file per entry and trial under episodes/ (the
// runner's records, without steps but with each reward part totalled, and
// bandit regret after every step), and the report. Every trial of a task
// starts the env from the task's seed; trial t > 0 shows the agent the seed
// TrialSeed(seed, t), so agents drawing their randomness from the episode
// seed (dojo's, exec agents, LLM agents through their request seed) act
// afresh. A run directory is resumed: episodes already recorded are kept.
//
// A partial run (Config.Limit, dojo bench run --limit N) plays the first N
// tasks of each entry: a smoke test. Its manifest records the limit, so its
// hash is not the suite's; its report says "partial: first N tasks of each
// entry"; Compare refuses to set it beside a run of another limit unless
// forced.
//
// # Shards
//
// A run splits over machines with Config.Shard (dojo bench run --shard
// i/n): shard i plays the tasks of each entry whose index is ≡ i mod n, for
// every trial, into a directory of its own that records the shard and
// resumes only as that shard; shards leave the references out. Merge
// checks that the shard directories are the n shards of one run (manifest
// hash, agent, trials), each once and finished, merges each entry's
// episode files (package shard), computes the references once and writes
// the whole run's directory: the same files as an unsharded run's, byte for
// byte, apart from the wall-clock fields (WallClockFields, and each
// episode's wall_ms).
//
// # Plans
//
// MakePlan says what a run of an LLM agent will cost before any request is
// sent: per entry, the episodes, the requests expected (between the
// oracle's and the random agent's mean lengths, which the references store
// as their steps) and at most (the step limit), and an upper bound on the
// tokens, from the sizes of the prompts and observations measured by
// playing the tasks locally, the completion bound and the history resent
// every turn. Plan's doc says what the bound assumes (by default at most
// one token per byte, a bound for byte-level tokenizers).
//
// # Statistics
//
// Per entry (internal/stats holds the formulas):
//
//   - success rate with its Wilson score interval;
//   - pass@k = 1 − C(n−c, k)/C(n, k) (the unbiased estimator of Chen et al.
//     2021) and pass^k = C(c, k)/C(n, k) (τ-bench, Yao et al. 2024), for
//     k = 1..Trials, from c successes in n trials of each task, averaged
//     over the tasks;
//   - mean return with a percentile-bootstrap interval (2,000 resamples from
//     a fixed seed, so reports are reproducible) and mean length;
//   - each reward part: its value summed over an episode (mean), its weight,
//     their product (its share of the return) and how often it fires;
//   - an LLM agent's tokens and requests (from the episodes' usage);
//   - the normalized score 100·(rate − random)/(oracle − random): 0 for the
//     random agent, 100 for the env's oracle (see Reference for where the
//     references come from).
//
// Family and overall rows are macro averages (each entry weighs the same)
// with stratified bootstrap intervals. Compare sets two runs side by side:
// Newcombe's hybrid score interval for each difference of success rates, a
// bootstrap interval for each difference of mean returns, and which exclude
// 0; runs of different manifests are refused unless forced.
//
// # Reports
//
// report.json holds the Report; report.md its tables (results, families,
// bandit regret, reward parts, usage, notes, the manifest) and the plots:
// success.png (success per env with intervals), regret.png (mean cumulative
// regret by step on the bandits, one line per agent in a comparison),
// returns.png (the distribution of returns per env) and parts.png (each
// reward part's value and contribution per env).
//
// # Throughput and the reward lab
//
// Perf measures env steps per second through the runner for every family
// with 1, 2, 4, ... workers, verifications per second of the task families'
// gold responses, and JSON-RPC round trips through an in-process dojo
// serve. AnalyzeRewards reads episode records and reports, per env, each
// reward part's point-biserial correlation with success, how often it
// fires, and for the weights played and every profile of the env
// (recomputed from the parts) the failed episodes it pays like a success:
// the candidates for reward hacking.
//
// Learning compares profiles by what a learner learns under them: the same
// learner (an AgentMaker with a training budget, such as the qlearning
// agent) trained under each profile for each budget of Checkpoints, from
// scratch, with several training seeds; each learned policy plays the
// sparse task's evaluation episodes (the same env seeds for every profile);
// each point is the mean success over the seeds with a 95% percentile
// bootstrap interval over the seeds. Its report is a table, Markdown,
// JSON and learning.png (the curves with their bands).
package bench
