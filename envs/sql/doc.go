// Package sql holds dojo's text-to-SQL envs on embedded SQLite
// (modernc.org/sqlite, pure Go): generated databases with generated
// questions, and the engine that runs agent SQL safely and judges it by
// execution match as the Spider and BIRD evaluators do.
//
// # Engine
//
// DB is a read-only database shared by concurrent episodes (OpenFile for a
// .sqlite file, OpenMemory for a database built in memory): pooled
// connections with an SQLite authorizer that allows reads only (no writes,
// DDL, ATTACH or writable PRAGMAs), query_only connections, one statement
// per query, and the context's deadline. DB.Query returns a Result (columns,
// rows, truncated at a row cap). Each connection keeps its 64 most recently
// used prepared statements by text. DB.Gold caches gold results by their
// text up to whitespace and comments; ExecMatch runs the gold and the
// prediction on one connection, and a prediction that is a gold query
// already run (up to whitespace and comments, and calling no volatile
// function such as random()) takes its cached result: the database is
// immutable, so the rows and the verdict are those a second run would give.
// Match and
// ExecMatch compare results: ModeSpider follows the Spider test-suite
// evaluator (exec_eval.py: multisets of rows, in order only when the gold
// has ORDER BY, columns up to permutation, DISTINCT removed unless
// keep_distinct), ModeBird follows BIRD's (set equality of rows). Numbers
// compare by value. LoadSpider, LoadBIRD and LoadKaggleDBQA read real data
// sets (Dataset: examples and lazily opened databases).
//
// # Environments
//
//	sql/Generated-v0  any domain (drawn per database)
//	sql/Retail-v0     suppliers, products, customers, orders
//	sql/HR-v0         departments, employees, projects, assignments
//	sql/School-v0     teachers, courses, students, enrollments
//	sql/Flights-v0    airlines, flights, passengers, bookings
//	sql/Library-v0    publishers, books, members, loans
//	sql/Hospital-v0   wards, doctors, patients, appointments
//	sql/Spider-v0     the Spider dev set (Yu et al., EMNLP 2018): question seed mod N of dev.json (N with a database)
//	sql/KaggleDBQA-v0 KaggleDBQA (Lee et al., ACL 2021): 87 questions on three real Kaggle databases
//	sql/BIRD-v0       a BIRD-format data set (Li et al., NeurIPS 2023), question with its evidence
//
// The real data sets are read from option path, tried relative to the
// working directory, then to the module root: sql/Spider-v0 from
// ../shared/data/spider-dev (LoadSpider), sql/KaggleDBQA-v0 from
// ../shared/data/kaggledbqa (LoadKaggleDBQA), sql/BIRD-v0 from ./bird
// (LoadBIRD: dev.json and dev_databases/; BIRD is not shipped). They have
// no difficulty or size options; match_mode defaults to the data set's own
// evaluator (spider for Spider and KaggleDBQA, bird for BIRD). BIRD's
// question is shown followed by its evidence ("…\n\nEvidence: …") and
// its difficulty goes to Task.Meta. The schema
// prompt is rebuilt from the database (CREATE TABLE with primary and
// foreign keys). A missing folder is an error of Reset and GenerateTask
// ("no Spider data set at …"), not a crash. Questions whose database the
// folder lacks are skipped: seed s selects question s mod M of the M
// questions whose database is present, in file order, so seeds 0..M-1
// play each once (with every database present, seed s plays question s
// mod N). CheckData (dojo.DataChecker) says what was skipped, "62 of 1034
// questions skipped: database wta_1 not found under …" for the shared
// Spider copy; a data set none of whose databases is present is a
// not_found error. Their tasks' Verify holds db_id and index (the
// question's position in the file) instead of domain, size and db_seed;
// Meta holds db_id, index and gold_rows.
//
// # Databases and questions
//
// Each domain has four tables with integer primary keys and foreign keys:
// a parent P, an entity E referencing P, an entity G, and a link L between
// G and E with a quantity. Option size s (1..10) gives P, E, G and L 3+s,
// 6+8s, 4+6s and 10+25s rows of seeded, realistic values (names unique per
// table, E's number column unique). A task's seed selects its database —
// db seed = seed / 32, and for Generated-v0 the domain — and its question;
// a database is built once per (domain, size, db seed) and shared, read
// only, by every episode (a process-wide cache of 64 databases, the least
// recently used evicted first; an evicted database is closed once no
// episode holds it). A real data set is loaded once per folder and shared
// the same way (a cache of 8 data sets).
//
// Questions come from SQL templates in Spider's hardness classes (option
// difficulty; mixed draws a template per seed):
//
//	easy    a filter, a COUNT with a condition, MAX with a condition
//	medium  GROUP BY with COUNT, one join, ORDER BY … LIMIT k, AVG with a condition
//	hard    GROUP BY … HAVING, a nested AVG subquery, NOT IN subquery, INTERSECT, EXCEPT
//	extra   two joins with GROUP BY, ORDER BY SUM … LIMIT 1, a three-join DISTINCT, UNION
//
// The generator runs every gold query and redraws (deterministically, from
// the same seed's stream, at most 32 times) a question whose result is
// empty or holds NULL, whose k-th and (k+1)-th sort keys tie at a LIMIT
// boundary, or whose gold is also matched by the gold with its first WHERE
// clause removed.
//
// # Observation
//
// Obs.Messages (and Obs.Text, the same as "[role] content" paragraphs). On
// Reset: a system message — in multi mode the call format and the tools as
// JSON; in single mode the schema's CREATE TABLE statements — and the
// question as the user message; in multi mode Obs.Tools holds the tools the
// system message lists, in its order. After a turn with tool calls, one tool
// message per call. The final step has a closing Text only. Obs.Value is
// unused. Info.Extra on Reset holds "domain" and "difficulty".
//
// # Actions
//
// Option mode "multi" (the default): an assistant turn with tool calls
// (dojo.ActMessage ToolCalls, or text holding <tool_call>{"name": …,
// "arguments": {…}}</tool_call> blocks, read with reward.ParseToolCalls):
//
//	list_tables     {}                  the table names
//	describe_table  {"table": name}     its CREATE TABLE statement and 3 sample rows
//	run_sql         {"sql": query}      the first max_rows rows, tab separated, with a note when cut
//	                                    (by max_rows or max_result_bytes; a value longer than
//	                                    max_cell_bytes ends "…[cut: N bytes]");
//	                                    errors and timeouts come back as text (not invalid calls)
//	submit_sql      {"sql": query}      ends the episode with that query
//
// Calls run in order; submit_sql ends the turn. The calls of a turn share
// one deadline, timeout_ms from the turn's start; the calls past
// max_calls_per_turn (32) are refused, unrun, each an invalid call whose
// result names it ("call 33 of 40 refused: max_calls_per_turn is 32"). A
// turn without calls is the
// final answer: its SQL is the last ```sql (or ```) block, else
// dojo.Answer's (<answer>…</answer> or the bare text), a trailing ";"
// removed. A turn whose only blocks are malformed scores format −1 and the
// episode goes on. After max_turns turns the episode is truncated. Mode
// "single": one turn, its text the SQL as above (a submit_sql call is
// accepted too); the episode always ends.
//
// # Success
//
// The submitted SQL runs read-only under timeout_ms with at most
// max(10000, 2·gold rows) rows; it succeeds iff it runs, is not cut, and
// Match(gold, pred) holds under option match_mode (spider, the default, or
// bird; keep_distinct as above). Destructive or multi-statement SQL does not
// run, and leaves the database unchanged.
//
// # Rewards
//
// Components, each step (zero except on the submission step unless said):
//
//	success          1 iff the submission succeeds
//	format           −1 for a malformed turn: no SQL in the final answer, or only broken <tool_call> blocks
//	executes         1 iff the submitted SQL runs
//	overlap          (F1 of rows + F1 of columns)/2 of the submitted result against the gold's: rows as
//	                 multisets of canonical rows, columns as multisets of their sorted values; 0 when it
//	                 does not run or is cut
//	schema           F1 of the schema items (tables, columns) whose names appear as identifiers in the
//	                 submitted SQL against those in the gold SQL (keywords and string literals skipped)
//	efficiency       −1 per tool call (submit_sql excluded) beyond option tool_budget in the episode
//	invalid          −1 per invalid call: unknown tool, arguments not of the tool's schema, unknown table
//	sqlr1_format     1 if the answer text is in SQL-R1's format — <think>, </think>, <answer> and
//	                 </answer> each exactly once, in this order, and a ```sql … ``` block in the
//	                 answer — or the SQL came by a submit_sql call; else −1
//	sqlr1_execution  2 if the SQL runs, −2 if not; 0 when sqlr1_format is −1
//	sqlr1_result     3 if it succeeds, −3 if it runs but does not; 0 otherwise
//	sqlr1_length     for a successful text answer in format only: with T and A the trimmed think
//	                 and answer texts and S the SQL (white space runs collapsed), in bytes,
//	                 0.5·(|T|+|A|)/2048 + |S|/|A| when |T|+|A| ≤ 2048, else 0.5 + |S|/|A|
//
// Profiles: shaped (default): success 1, format 0.1, executes 0.1,
// overlap 0.3, schema 0.1, invalid 0.05, efficiency and sqlr1 parts 0;
// shaped+cost: shaped with efficiency 0.02 (the shaped of earlier
// versions); sparse: success 1; arctic: success 0.9, executes 0.1 — Arctic-Text2SQL-R1's
// reward (Snowflake, 2025): 1 if correct, 0.1 if it only executes, else 0;
// sqlr1: the four sqlr1 parts with weight 1 — SQL-R1's reward (Ma et al.,
// "SQL-R1: Training Natural Language to SQL Reasoning Model By
// Reinforcement Learning", 2025; its verl reward_score/synsql.py
// compute_score: format ±1, execution ±2, result ±3 and the "v2" length
// term, paid on matches only). SQL-R1 scores a timeout as unexecutable, as
// here.
//
// What shaped keeps of the sparse task's optimum (undiscounted): the gold
// SQL is always available to a policy (the question determines it), and
// submitting a query whose result matches the gold's earns the most of
// every term at once — success 1, executes 1, overlap 1 (the same rows and
// columns) and no format or invalid penalty — except schema, which is 1
// only for a query naming the gold's tables and columns; a policy that
// submits the gold query itself is optimal under both profiles. The format
// and invalid penalties only lower malformed or invalid turns. The
// partial-credit terms executes, overlap and schema can change the optimum
// where success is uncertain: a policy that surely submits a runnable
// query naming the gold's tables and columns with an overlap of 0.5 earns
// 0.1 + 0.3·0.5 + 0.1 = 0.35 and never succeeds; one that succeeds a fifth
// of the time and otherwise submits nothing that runs earns at most
// 0.2·1.5 = 0.3: shaped prefers the first, the sparse task the second. They
// stay in shaped because they give a learner signal before it writes
// exact queries and are bounded (together 0.5, below the 1 of success), so
// no failed submission outscores a correct one; the sparse and arctic
// profiles are there when the optimum must be the sparse one. A cost per
// call beyond the budget is not in shaped: it rewards submitting before
// the schema has been explored.
//
// Metrics (Info.Metrics, owned by the env): turn, tool_calls, invalid_calls.
//
// # Tasks and verification
//
// GenerateTask returns the prompt messages, the tools (multi mode) and, in
// Verify, {domain, size, db_seed, question, gold_sql, gold_hash (SHA-256 of
// the gold rows), match_mode, keep_distinct, difficulty}; Meta holds
// difficulty, domain, template and gold_rows. VerifyTask rebuilds the
// database from Verify (checking gold_hash), or regenerates the task from
// Task.Seed when Verify is empty, and scores Response.Text as a single-mode
// answer or Response.Messages as the assistant turns of an episode (tool
// calls are run again; the first submission ends it), the parts summed over
// turns. OracleAction submits the gold SQL (submit_sql in multi mode, a
// ```sql block in single mode); it succeeds on every generated task.
//
// # Options
//
// difficulty, size, mode (above); match_mode ("spider" | "bird"),
// keep_distinct (false); timeout_ms (1000: the deadline of a turn's
// queries); max_rows (20: rows shown by run_sql); max_cell_bytes (1000) and
// max_result_bytes (65536: values' bytes plus 16 each) of what run_sql and
// describe_table show; max_calls_per_turn (32); max_turns (10); tool_budget (6);
// invalid_action ("penalize", the default, or "terminate": the episode
// terminates as a failure once max_invalid calls were invalid); max_invalid
// (1); reward.
//
// # Bounds
//
// Every connection is opened with SQLite's length limits (MaxValueBytes,
// 128 KiB, for any string, blob or row; MaxQueryBytes for the SQL;
// MaxLikePattern for a LIKE or GLOB pattern), temporary storage in memory
// (temp_store=MEMORY: a sort never spills to the temp directory), and the
// process-wide SQLite heap capped at DefaultHeapLimit (1 GiB, SetHeapLimit
// to change it), past which a query fails with "out of memory". The length
// cap is what bounds a single expensive step (randomblob(1e9) is one VDBE
// instruction that no interrupt reaches); the deadline interrupts the rest.
// SQLite's two-argument trim, ltrim and rtrim, quadratic in the text, are
// replaced by linear ones of the same result. Submitted and verified
// predictions are read up to DefaultMaxResultBytes (64 MiB); a larger result
// does not match.
//
// # Code
//
// The env files follow the layout every family shares: spec.go declares
// the envs' options, reward components and specs, register.go registers
// them, env.go holds Env (Reset, Step), episode.go plays one assistant
// turn (the tools, the submission and its scoring), oracle.go is the
// oracle, tasks.go the generator of tasks and the cache of generated
// databases (generate, GenerateTask) and their verifier (VerifyTask),
// rewards.go the reward formulas, env_spider.go the real data sets (their
// cache and questions). The library of execution match is db.go, exec.go,
// exec_verify.go, pool.go, match.go, spider.go and bird.go; the generated
// worlds are domain.go and template.go. The episode lifecycle (not reset,
// ended, the context), the invalid-action options and policy, the lookup
// of component indices by name and the cache of shared databases come from
// envs/internal/family, shared by every family.
package sql
