package searchqa

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// searchVariant is a registered search env.
type searchVariant struct {
	title  string // the id's name part
	kind   string // the question kind; "" when it is an option
	corpus bool   // websim/Corpus-v0
	text   bool   // text mode (Search-R1) by default
}

func (v searchVariant) id() string { return "websim/" + v.title + "-v0" }

var searchVariants = []searchVariant{
	{title: "SearchQA"},
	{title: "SearchQA-Bridge", kind: KindBridge},
	{title: "SearchQA-Comparison", kind: KindComparison},
	{title: "SearchQA-Aggregation", kind: KindAggregation},
	{title: "SearchR1", text: true},
	{title: "Corpus", corpus: true},
}

// Register adds the search envs to r.
func Register(r *dojo.Registry) error {
	for _, v := range searchVariants {
		if err := r.Register(v.spec(v.text, 10), func(o dojo.Options) (dojo.Env, error) { return newEnv(v, o) }); err != nil {
			return err
		}
	}
	return nil
}

func (v searchVariant) options() []dojo.Option {
	mode := "tools"
	if v.text {
		mode = "text"
	}
	var opts []dojo.Option
	if v.corpus {
		opts = append(opts,
			dojo.Option{Name: "corpus", Type: dojo.OptString, Path: true, Default: "",
				Description: `the corpus: a file of JSON lines {"id", "title", "text"} (or {"id", "contents"}, the title on the first line); empty (with qa empty) for the sample corpus built in`},
			dojo.Option{Name: "qa", Type: dojo.OptString, Path: true, Default: "",
				Description: `the questions: a file of JSON lines {"question", "answers": [...]} ("golden_answers" or "answer" also do), with optional "id" and "supporting" (page ids); the seed mod the number of questions selects one`})
	} else {
		if v.kind == "" {
			opts = append(opts, dojo.Option{Name: "kind", Type: dojo.OptString, Default: KindMixed, Choices: QuestionKinds,
				Description: "question kind: bridge (a chain of relations, then a name or an attribute), comparison (which of two has the earlier or larger value), aggregation (a count of listed entities, or the years between two dates), mixed (drawn per seed)"})
		}
		opts = append(opts,
			dojo.Option{Name: "hops", Type: dojo.OptInt, Default: 0,
				Description: "facts a question needs, each read from a page: 1..4, or 0 for drawn per seed (comparisons take at least 2)"}.Range(0, MaxHops),
			dojo.Option{Name: "size", Type: dojo.OptInt, Default: 150,
				Description: "entities per world (people, organisations, cities, countries, works, events), before distractors"}.Range(MinWorldSize, MaxWorldSize),
			dojo.Option{Name: "noise", Type: dojo.OptFloat, Default: 0.3,
				Description: "distractor pages per entity: near-duplicate names, dated archive pages, refuted claims"}.Range(0, 1),
			dojo.Option{Name: "questions_per_world", Type: dojo.OptInt, Default: 32,
				Description: "consecutive seeds that share a world: the world of seed s is that of world seed s / questions_per_world"}.Range(1, 1_000_000))
	}
	opts = append(opts,
		dojo.Option{Name: "mode", Type: dojo.OptString, Default: mode, Choices: []string{"tools", "text"},
			Description: "tools: search, open, find and answer as tool calls; text: Search-R1's protocol, <search>…</search> and <answer>…</answer> in the text, results in <information>…</information>"},
		dojo.Option{Name: "topk", Type: dojo.OptInt, Default: 3,
			Description: "results of a search: the default k of the search tool, and of every <search> in text mode (Search-R1 uses 3)"}.Range(1, maxK),
		dojo.Option{Name: "max_turns", Type: dojo.OptInt, Default: 10,
			Description: "assistant turns before the episode is truncated"}.Range(1, 100),
		family.MaxCalls(),
	)
	opts = append(opts, family.InvalidOptions(family.InvalidText{
		Penalize:  "an invalid call or turn scores invalid or format -1 and the episode goes on",
		Terminate: "once max_invalid calls or turns were invalid",
		Counted:   "invalid calls or turns",
		Max:       1000,
	})...)
	return append(opts, dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward,
		Description: "reward profile: shaped, sparse, searchr1 (Search-R1's exact match with format terms 0.2/0.1/0.1), em (exact match alone), shaped+cost (shaped with a cost per search), or an object of component weights"})
}

func (v searchVariant) spec(text bool, maxTurns int) dojo.Spec {
	what := "a generated world (people, organisations, cities, countries, works, events; distractor pages)"
	success := "; success is an exact match of the answer after SQuAD normalization, with every hop's supporting page retrieved"
	switch {
	case v.corpus:
		what = "a corpus of JSON lines with its question-answer pairs"
		success = "; success is an exact match of the answer after SQuAD normalization (and, for questions that name their supporting pages, those pages retrieved)"
	case v.kind != "":
		what += " with " + v.kind + " questions"
	case v.text:
		what += ", in Search-R1's setting: <search> and <answer> in the text, its format-aware reward"
	}
	act := dojo.Space{Kind: dojo.KindToolCalls, Tools: searchTools,
		Description: "an assistant message with tool_calls (OpenAI format) or text with <tool_call>{\"name\", \"arguments\"}</tool_call> blocks, or Search-R1's <search>…</search> / <answer>…</answer>; a reply without any is the final answer (dojo.Answer of its text)"}
	if text {
		act = dojo.Space{Kind: dojo.KindText,
			Description: "a completion in Search-R1's protocol: reasoning in <think>…</think>, then <search>query</search> or <answer>…</answer> (cut after the first </search>, else </answer>); tool calls are accepted too"}
	}
	profile := "shaped"
	if v.text {
		profile = "searchr1"
	}
	tags := []string{"websim", "llm", "search", "question-answering", "task-generator", "tool-use", "Search-R1", "SQuAD"}
	return dojo.Spec{
		ID:             v.id(),
		Description:    "multi-hop question answering with a BM25 search engine over " + what + success,
		Observation:    dojo.Space{Kind: dojo.KindNone, Description: "Messages: the instructions and the question, then one tool message per call (JSON), or in text mode the <information>…</information> of a search"},
		ObsText:        true,
		Action:         act,
		MaxSteps:       maxTurns,
		Rewards:        components[:],
		Profiles:       searchProfiles,
		DefaultProfile: profile,
		Options:        v.options(),
		Tags:           tags,
	}
}
