// Package searchqa is websim's multi-hop question answering over a search
// engine, on CPU and offline, with verifiable rewards and difficulty knobs,
// in the style of Search-R1 (Jin et al., "Search-R1: Training LLMs to
// Reason and Leverage Search Engines with Reinforcement Learning", 2025):
// generated worlds (or a corpus of your own) searched with the BM25 index
// of package bm25.
//
// # Environments
//
//	websim/SearchQA-v0              mixed questions (option kind), tools by default
//	websim/SearchQA-Bridge-v0       bridge questions only
//	websim/SearchQA-Comparison-v0   comparison questions only
//	websim/SearchQA-Aggregation-v0  aggregation questions only
//	websim/SearchR1-v0              Search-R1's setting: text mode and the searchr1 reward by default
//	websim/Corpus-v0                a JSONL corpus and QA pairs of your own (options corpus, qa)
//
// # Worlds
//
// NewWorld maps (size, noise, seed) to a world, deterministically (its own
// PCG streams; the same options give the same bytes): countries, cities,
// organisations (companies of eleven industries, universities), people,
// works (novels, films, albums) and events, about size of them in all, with
// attributes (years, populations, staff, visitors, occupations, industries,
// genres) and functional relations: a person's birthplace, employer and
// university; an organisation's founder and city; a work's creator and
// publisher; an event's city, organiser and winner; a city's country; a
// country's capital. Names are invented from syllables, so no model knows a
// world's facts before it searches; names and aliases (a full name with a
// middle name, a legal form such as "Ltd") are unique after SQuAD
// normalization.
//
// Each entity has a page: a title (its name), a text stating its facts in
// varied sentences (and its backlinks as complete lists: the people born in
// a city, the works of a person, the organisations based in a city), links,
// and an id (the title's slug). Every sentence that states a fact records
// its page as evidence of that fact. Option noise (0..1) adds noise·size
// distractors, a third of each kind: entities with near-duplicate names
// (one vowel or an ending changed, another given name, another suffix:
// full entities with their own facts and a "Not to be confused with" note),
// dated archive pages describing an entity as it was (a former city,
// employer, staff or population, "as it was in 1979"), and pages of
// refuted claims ("A widely shared post claims … The claim is false",
// "An unverified forum post says …"). Organisations moved from a former
// city with probability noise, which their page says ("Until 1988 it was
// based in …"). Distractors never state a current fact unmarked, so they do
// not make a gold answer wrong; they are never evidence.
//
// # Search engine
//
// A world's or a corpus's Index (package bm25) ranks its pages by BM25
// exactly as SQLite FTS5's bm25() does. Worlds and corpora are built once
// per process and shared read-only by every episode (a cache bounded to
// 1.5 million pages, least recently used first).
//
// # Questions
//
// World.Question maps (kind, hops, seed) to a question of 1 to 4 hops, each
// hop a fact read from a page, with its gold answer and aliases, and per
// hop the pages that state its fact:
//
//	bridge       a chain of relations from a named entity, then the last entity's name or one of its
//	             attributes: "In what year was the founder of the publisher of The Glass Orchard born?"
//	comparison   which of two entities (each named, or reached by a chain) was first or is larger:
//	             "Who was born first, the founder of Kalvane Press or Mara Stenholt?" (2 to 4 hops)
//	aggregation  the length of a complete list on a page ("How many works has Idris Kalvane
//	             created?"), or the years between two dates ("How many years passed between the
//	             founding of X and the release of Y?")
//
// Relations are functional and names unique, compared values differ, and a
// bridge's or count's answer is never written in its question. Option hops
// 0 draws 1..4 per seed (at least 2 for comparisons); kind mixed draws the
// kind. A seed selects its world (world seed = seed / questions_per_world)
// and its question; a question one of whose hops no search surfaces within
// topk results is drawn again from the next question seed (rare: a few in
// ten thousand at topk 1), so that the gold search path always exists.
//
// # Observation
//
// Obs.Messages (and Obs.Text). Tools mode, on Reset: a system message (the
// world is invented, the tools and the call format, the tools as JSON) and
// the question, and Obs.Tools holds those tools in the same order; after a
// turn, one tool message per call with its JSON
// result; Obs.Text is the contents, each tool result headed "name: ". Text
// mode (Search-R1): one user message, Search-R1's instruction ending
// "Question: …?" (its data_process/nq_search.py prompt); after a search,
// Obs.Text is "\n\n<information>Doc 1(Title: …) text\nDoc 2…</information>\n\n"
// (Search-R1's passages: each result's whole text), to append to the
// completion, and Messages holds it as a user message. The final step has
// a closing Text only. Info.Extra on Reset: kind and hops.
//
// # Actions
//
// Tool calls (dojo.ActMessage ToolCalls, or text with <tool_call>{"name":
// …, "arguments": {…}}</tool_call> blocks read with reward.ParseToolCalls),
// validated against each tool's inputSchema (MCP's shape; a call with an
// unknown tool, a missing, unknown, mistyped or out-of-range argument is an
// invalid action, not an error, and its tool message names the problem):
//
//	search  {"query": string (1..500 chars), "k": integer 1..10 (default topk)}
//	        {"query", "results": [{"page": id, "title", "snippet"}], "note"}
//	open    {"page": id or exact title}      {"page", "title", "text", "links": [ids]}, or {"error"} for no such page
//	find    {"text": string (1..200)}        {"page", "text", "count", "matches": [sentences]} in the open page
//	answer  {"text": string (0..1000)}       ends the episode
//
// Calls of a turn run in order; answer ends the turn. Search-R1's text
// actions work in both modes: a completion is cut after its first
// </search>, else its first </answer> (as Search-R1's rollout stops
// there), and its action is the first <search>…</search> or
// <answer>…</answer> block, content trimmed (an optional <think> first).
// A turn without calls or tags is, in tools mode, the final answer
// (dojo.Answer of the text after a leading <think> block); in text mode it
// is invalid, and the env answers Search-R1's "My previous action is
// invalid. …". After max_turns turns the episode is truncated;
// invalid_action=terminate ends it as a failure after max_invalid invalid
// calls or turns.
//
// # Success
//
// The episode succeeds on its final answer iff the answer matches a gold
// exactly after SQuAD normalization (reward.ExactMatch) and every hop was
// read: one of the pages stating its fact was returned by a search or
// opened. A right answer without the supporting pages does not count (a
// comparison's answer is one of two names in the question). Corpus
// questions without supporting page ids succeed on exact match alone.
//
// # Rewards
//
// Components, each step (zero but on the final answer unless said; R_t
// and O_t are the fractions of hops read and of hops whose page was
// opened after step t):
//
//	success           1 iff the episode succeeds
//	em                1 iff the answer matches a gold exactly (SQuAD normalization)
//	f1                SQuAD token F1 of the answer against the best gold (reward.TokenF1)
//	format            −1 for a malformed turn: only broken <tool_call> blocks, no action in text
//	                  mode, an empty answer
//	retrieval         R_t − R_{t−1} (so an episode sums to R_T): supporting pages surfaced or opened
//	opened            O_t − O_{t−1}
//	search_cost       −1 per search
//	invalid           −1 per invalid call
//	sr1_structure     on the last step, with S = reward.SearchR1 of the episode's text (its turns as
//	sr1_final_format  cut, and the information and invalid-action messages between them):
//	sr1_retrieval     +1 / −1 / 0, 1 / 0 and 1 / 0, so that em + 0.2·sr1_structure +
//	                  0.1·sr1_final_format + 0.1·sr1_retrieval is S.Reward, Search-R1's
//	                  format-aware reward: 1 for a match in a valid format, 0.8 for a match in an
//	                  invalid one, 0.3 or 0.2 for a valid format without a match (with or without
//	                  a gold in an <information> block), 0.1 for an answer in an invalid format,
//	                  else 0 (see reward.SearchR1)
//
// Profiles: shaped (the default but for SearchR1-v0): success 1, f1 0.2,
// format 0.1, retrieval 0.2, opened 0.1, invalid 0.1, the rest 0;
// shaped+cost: shaped with search_cost 0.01 (the shaped of earlier
// versions); sparse: success 1; searchr1 (SearchR1-v0's default): em 1,
// sr1_structure 0.2, sr1_final_format 0.1, sr1_retrieval 0.1 — Search-R1's
// qa_em_format.py compute_score_em, scoring the episode's text as
// Search-R1 scores a response (in tools mode, turns of structured calls
// hold no tags, so only em pays); em: em 1 — Search-R1's outcome reward
// (qa_em.py). success never depends on the profile.
//
// What shaped keeps of the sparse task's optimum (undiscounted): an
// episode that succeeds has retrieved every hop's supporting page
// (retrieval sums to 1), answers with F1 1 and can open every supporting
// page, so the policy that surely succeeds and opens the pages it needs
// earns the most of every term at once and is optimal under both. The
// format and invalid penalties only lower malformed or invalid turns,
// which a succeeding policy need not take. Three terms are partial credit
// and can change the optimum where success is uncertain: f1 pays a near
// miss of the answer, and retrieval and opened (the increases of the
// fractions of hops found and opened, which sum to the final fractions,
// not to 0) pay for evidence gathered without a correct answer. A policy
// that always finds and opens the evidence and then answers with F1 0.5
// earns 0.2 + 0.1 + 0.2·0.5 = 0.4 and never succeeds; one that succeeds a
// quarter of the time without opening pages and otherwise gives up earns
// at most 0.25·(1 + 0.2 + 0.2) = 0.35: shaped prefers the first, the
// sparse task the second. They stay in shaped because they are the dense
// signal multi-hop search needs and are bounded (together at most 0.5,
// below the 1 of success), so no failing episode outscores a successful
// one. A cost per search is not in shaped: it rewards answering before
// the evidence is found.
//
// Metrics (Info.Metrics, owned by the env): turn, searches, opens, invalid,
// hops, hops_read.
//
// # Tasks and verification
//
// GenerateTask returns the prompt messages, the tools (tools mode), and in
// Verify {question, answers, kind, hops, evidence (per hop, page ids),
// targets, world {Size, Noise, Seed} and world_hash} (a corpus task:
// index and corpus_hash instead of world); Meta holds kind and hops.
// VerifyTask rebuilds the world from Verify (checking world_hash), or
// regenerates the task from Task.Seed when Verify is empty, and replays the
// response: Response.Messages as assistant turns (tool results recomputed,
// other roles ignored), or Response.Text as a whole Search-R1 response,
// its <information> blocks dropped (the searches run again) and its turns
// ending at each </search>, </answer> and </tool_call>. The score's parts
// are the episode's, summed over its turns; the sr1 parts score the
// replayed text with the recomputed information. OracleAction plays the
// gold search path — for the first hop not yet read, a search whose top k
// holds one of its pages (the page's title, else longer queries from its
// text) and, in tools mode, the opening of its page; then the gold answer
// (text mode: "<think>…</think>\n<answer>gold</answer>") — and succeeds on
// every generated task, with Search-R1's maximum reward 1 in text mode.
//
// # External corpora
//
// websim/Corpus-v0 reads option corpus, a file of JSON lines {"id",
// "title", "text"} (or Search-R1's and FlashRAG's {"id", "contents"}, the
// title in quotes on the first line), and option qa, JSON lines
// {"question", "answers"} ("golden_answers" or "answer" also do) with
// optional "id" and "supporting" (page ids: each a hop); a seed selects
// question seed mod their number. Errors name the file and the line (for
// example "qa.jsonl:12: no \"answers\""). With neither option it serves a
// sample built in: a world of 40 entities exported with World.WriteCorpus
// and World.WriteQA.
//
// # Options
//
// kind (SearchQA-v0 and SearchR1-v0; "mixed"), hops (0: any), size (150;
// 20..200000 entities), noise (0.3), questions_per_world (32), corpus and
// qa (Corpus-v0), mode ("tools", or "text" for SearchR1-v0), topk (3: the
// default k of search and the k of text mode), max_turns (10),
// max_calls_per_turn (32: the calls of a turn past it are refused, unrun,
// each an invalid call named in its result),
// invalid_action ("penalize" or "terminate"), max_invalid (1), reward.
package searchqa
