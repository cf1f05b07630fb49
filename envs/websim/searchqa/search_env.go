package searchqa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
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
			dojo.Option{Name: "corpus", Type: dojo.OptString, Default: "",
				Description: `the corpus: a file of JSON lines {"id", "title", "text"} (or {"id", "contents"}, the title on the first line); empty (with qa empty) for the sample corpus built in`},
			dojo.Option{Name: "qa", Type: dojo.OptString, Default: "",
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
		dojo.Option{Name: "invalid_action", Type: dojo.OptString, Default: "penalize", Choices: []string{"penalize", "terminate"},
			Description: "penalize: an invalid call or turn scores invalid or format -1 and the episode goes on; terminate: as penalize, and the episode terminates as a failure once max_invalid calls or turns were invalid"},
		dojo.Option{Name: "max_invalid", Type: dojo.OptInt, Default: 1,
			Description: "with invalid_action=terminate, the number of invalid calls or turns that terminates the episode"}.Range(1, 1000),
		dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward,
			Description: "reward profile: shaped, sparse, searchr1 (Search-R1's exact match with format terms 0.2/0.1/0.1), em (exact match alone), or an object of component weights"},
	)
	return opts
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
		Rewards:        searchComponents,
		Profiles:       searchProfiles,
		DefaultProfile: profile,
		Options:        v.options(),
		Tags:           tags,
	}
}

// Env is a search QA env over a generated world or a corpus. Make it
// with a registry to which Register added the websim envs.
type Env struct {
	spec       dojo.Spec
	v          searchVariant
	opts       dojo.Options
	kind       string
	hops       int
	size       int
	noise      float64
	perWorld   int
	corpus, qa string
	cfg        qaConfig
	maxTurns   int
	terminate  bool
	maxInvalid int
	parts      *reward.Parts
	metrics    dojo.Metrics

	t         *qaTask
	prompt    []dojo.Message
	ep        *qaEpisode
	everReset bool
	running   bool
}

func newEnv(v searchVariant, o dojo.Options) (*Env, error) {
	e := &Env{
		v: v, opts: o.Clone(), kind: o.String("kind"), hops: o.Int("hops"), size: o.Int("size"), noise: o.Float("noise"),
		perWorld: o.Int("questions_per_world"), corpus: o.String("corpus"), qa: o.String("qa"),
		cfg:      qaConfig{text: o.String("mode") == "text", topk: o.Int("topk")},
		maxTurns: o.Int("max_turns"), terminate: o.String("invalid_action") == "terminate", maxInvalid: max(1, o.Int("max_invalid")),
	}
	if v.kind != "" {
		e.kind = v.kind
	}
	if !v.corpus && e.hops > 0 && e.hops < minHops(e.kind) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"hops\" is %d, but %s questions take at least %d hops", v.id(), e.hops, e.kind, minHops(e.kind)).WithField("options.hops")
	}
	if e.maxTurns < 1 || e.cfg.topk < 1 || (!v.corpus && e.perWorld < 1) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: options max_turns, topk and questions_per_world must be positive", v.id())
	}
	e.spec = v.spec(e.cfg.text, e.maxTurns)
	p, err := reward.New(&e.spec, o)
	if err != nil {
		return nil, err
	}
	e.parts = p
	e.metrics = dojo.Metrics{{Name: "turn"}, {Name: "searches"}, {Name: "opens"}, {Name: "invalid"}, {Name: "hops"}, {Name: "hops_read"}}
	return e, nil
}

// Spec describes the env as configured.
func (e *Env) Spec() dojo.Spec { return e.spec }

// qaTask is one task: its question over its web, and where they come from.
type qaTask struct {
	web   web
	it    qaItem
	world *World  // a generated task's world
	cor   *Corpus // a corpus task's corpus
	index int     // a corpus task's question
}

// task builds the task of seed.
func (e *Env) task(seed uint64) (*qaTask, error) {
	if e.v.corpus {
		c, err := openCorpus(e.corpus, e.qa)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s: %v", e.spec.ID, err)
		}
		i := int(seed % uint64(len(c.QA)))
		return &qaTask{web: c, cor: c, index: i, it: corpusItem(c, i)}, nil
	}
	w, err := sharedWorld(WorldOptions{Size: e.size, Noise: e.noise, Seed: seed / uint64(e.perWorld)})
	if err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: %v", e.spec.ID, err)
	}
	// A question one of whose hops no search surfaces within topk (rare:
	// a few in ten thousand at topk 1) is drawn again, from the next
	// question seed, so that the gold search path always exists.
	for attempt := uint64(0); ; attempt++ {
		q, err := w.Question(e.kind, e.hops, seed+attempt<<48)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "%s: %v", e.spec.ID, err)
		}
		t := &qaTask{web: w, world: w, it: worldItem(q)}
		if attempt == 15 || reachable(w, &t.it, e.cfg.topk) {
			return t, nil
		}
	}
}

// reachable reports whether goldQuery finds a query for every hop.
func reachable(w web, it *qaItem, k int) bool {
	for h, ev := range it.evidence {
		if goldQuery(w, ev, w.page(int(it.targets[h])), k) == "" {
			return false
		}
	}
	return true
}

func worldItem(q *Question) qaItem {
	it := qaItem{question: q.Text, answers: q.Answers, kind: q.Kind, hops: q.Hops}
	for _, h := range q.Hop {
		it.evidence = append(it.evidence, h.Evidence)
		it.targets = append(it.targets, h.Page)
	}
	return it
}

func corpusItem(c *Corpus, i int) qaItem {
	qa := &c.QA[i]
	it := qaItem{question: qa.Question, answers: qa.Answers, kind: "corpus", hops: len(qa.Supporting)}
	for _, id := range qa.Supporting {
		p := c.byID[id]
		it.evidence = append(it.evidence, []int32{p})
		it.targets = append(it.targets, p)
	}
	return it
}

// systemPrompt is the instructions of tools mode.
func (e *Env) systemPrompt() string {
	var s strings.Builder
	if e.v.corpus {
		s.WriteString("You answer questions by searching a corpus of pages.")
	} else {
		s.WriteString("You answer questions by searching a small web of pages about an invented world: what you know of the real world does not hold there, so look every fact up.")
	}
	s.WriteString(" search(query, k) returns the best pages (id, title, snippet); open(page) shows a page's text and links; find(text) finds text in the open page; answer(text) gives the final answer and ends the episode. Answer as briefly as possible: a name, a number or a year. Call tools with tool_calls or <tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call> blocks.\n\nTools:\n")
	b, _ := json.MarshalIndent(searchTools, "", "  ")
	s.Write(b)
	return s.String()
}

// searchR1Prompt is Search-R1's instruction (its data_process/nq_search.py
// prompt), which text mode shows as the one user message.
func searchR1Prompt(question string) string {
	q := strings.TrimSpace(question)
	if !strings.HasSuffix(q, "?") {
		q += "?"
	}
	return "Answer the given question. You must conduct reasoning inside <think> and </think> first every time you get new information. After reasoning, if you find you lack some knowledge, you can call a search engine by <search> query </search> and it will return the top searched results between <information> and </information>. You can search as many times as you want. If you find no further external knowledge needed, you can directly provide the answer inside <answer> and </answer>, without detailed illustrations. For example, <answer> Beijing </answer>. Question: " + q + "\n"
}

func (e *Env) promptOf(t *qaTask) []dojo.Message {
	if e.cfg.text {
		return []dojo.Message{{Role: "user", Content: searchR1Prompt(t.it.question)}}
	}
	return []dojo.Message{{Role: "system", Content: e.systemPrompt()}, {Role: "user", Content: t.it.question}}
}

// qaObsText renders messages for text agents: the contents, each tool result
// headed by the tool's name.
func qaObsText(ms []dojo.Message) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Content
		if m.Role == "tool" {
			parts[i] = m.Name + ": " + m.Content
		}
	}
	return strings.Join(parts, "\n\n")
}

// Reset starts the task of seed.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	t, err := e.task(seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.t, e.prompt = t, e.promptOf(t)
	e.ep = newQAEpisode(t.web, &t.it, e.cfg)
	e.everReset, e.running = true, true
	e.parts.Reset()
	e.setMetrics()
	info := dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics, Extra: map[string]any{"kind": t.it.kind, "hops": t.it.hops}}
	if e.cfg.text {
		return dojo.Obs{Messages: e.prompt, Text: e.prompt[0].Content}, info, nil
	}
	return dojo.Obs{Messages: e.prompt, Text: qaObsText(e.prompt), Tools: searchTools}, info, nil
}

func (e *Env) setMetrics() {
	ep := e.ep
	read := 0
	for _, r := range ep.read {
		if r {
			read++
		}
	}
	for i, v := range []int{ep.turns, ep.searches, ep.opens, ep.invalid, len(ep.read), read} {
		e.metrics[i].Value = float64(v)
	}
}

// Step plays one assistant turn.
func (e *Env) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if !e.everReset {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if !e.running {
		return dojo.Step{}, dojo.ErrEnded
	}
	if err := ctx.Err(); err != nil {
		return dojo.Step{}, err
	}
	e.parts.Reset()
	res := e.ep.play(a)
	var st dojo.Step
	if res.invalid || len(res.errs) > 0 {
		st.Info.Invalid = res.invalid
		st.Info.Error = strings.Join(res.errs, "; ")
	}
	switch {
	case res.final:
		st.Terminated = true
		st.Info.Success = res.success
		st.Obs = dojo.Obs{Text: res.closing}
	case e.terminate && e.ep.invalid >= e.maxInvalid:
		st.Terminated = true
		st.Obs = e.turnObs(&res)
	default:
		st.Obs = e.turnObs(&res)
		if e.ep.turns >= e.maxTurns {
			st.Truncated = true
		}
	}
	if st.Done() {
		e.running = false
		e.ep.searchR1Parts(&res.vals)
	}
	for i, v := range res.vals {
		e.parts.Set(i, v)
	}
	e.setMetrics()
	st.Info.Parts = e.parts.Parts()
	st.Info.Metrics = e.metrics
	st.Reward = e.parts.Sum()
	return st, nil
}

func (e *Env) turnObs(res *qaTurnResult) dojo.Obs {
	text := res.text
	if text == "" {
		text = qaObsText(res.messages)
	}
	return dojo.Obs{Messages: res.messages, Text: text}
}

// OracleAction plays the gold search path: for the first hop not yet read,
// a search that returns one of its supporting pages (and, in tools mode,
// the opening of the hop's page); once every hop is read, the gold answer.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if !e.everReset {
		return dojo.Action{}, dojo.ErrNotReset
	}
	if !e.running {
		return dojo.Action{}, dojo.ErrEnded
	}
	return searchOracleAction(e.ep, e.cfg), nil
}

func searchOracleAction(ep *qaEpisode, cfg qaConfig) dojo.Action {
	it := ep.it
	for h, read := range ep.read {
		if read && (cfg.text || ep.opened[h]) {
			continue
		}
		target := ep.web.page(int(it.targets[h]))
		q := goldQuery(ep.web, it.evidence[h], target, cfg.topk)
		if cfg.text {
			return dojo.TextAction(fmt.Sprintf("<think>I need the page about %s.</think>\n<search>%s</search>", target.Title, q))
		}
		var calls []dojo.ToolCall
		if q != "" && !read {
			args, _ := json.Marshal(map[string]any{"query": q})
			calls = append(calls, dojo.ToolCall{ID: fmt.Sprintf("call_%d_s", ep.turns), Name: "search", Arguments: args})
		}
		args, _ := json.Marshal(map[string]any{"page": target.ID})
		calls = append(calls, dojo.ToolCall{ID: fmt.Sprintf("call_%d_o", ep.turns), Name: "open", Arguments: args})
		return dojo.MessageAction("", calls...)
	}
	gold := it.answers[0]
	if cfg.text {
		return dojo.TextAction("<think>The pages I found give the answer.</think>\n<answer>" + gold + "</answer>")
	}
	args, _ := json.Marshal(map[string]any{"text": gold})
	return dojo.MessageAction("", dojo.ToolCall{ID: fmt.Sprintf("call_%d_a", ep.turns), Name: "answer", Arguments: args})
}

// goldQuery finds a query whose top k holds one of the evidence pages: the
// target page's title, then the title with words of the page's first
// sentence; "" when none does (the oracle then opens the page directly).
func goldQuery(w web, evidence []int32, target *Page, k int) string {
	hits := func(q string) bool {
		for _, h := range w.index().Search(q, k) {
			for _, p := range evidence {
				if int(p) == h.Doc {
					return true
				}
			}
		}
		return false
	}
	cands := []string{target.Title}
	if first := pageSentences(target.Text); len(first) > 0 {
		cands = append(cands, target.Title+" "+first[0], first[0], target.Title+" "+target.Text)
	}
	for _, q := range cands {
		if hits(q) {
			return q
		}
	}
	return ""
}

// qaVerifyBlock is Task.Verify: where the question comes from, and its gold.
type qaVerifyBlock struct {
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Kind     string   `json:"kind"`
	Hops     int      `json:"hops"`
	// Evidence lists, per hop, the ids of the pages that state its fact.
	Evidence [][]string `json:"evidence"`
	Targets  []string   `json:"targets"`
	// A generated task's world, and its hash.
	World     *WorldOptions `json:"world,omitempty"`
	WorldHash string        `json:"world_hash,omitempty"`
	// A corpus task's question index and corpus hash.
	Index      int    `json:"index,omitempty"`
	CorpusHash string `json:"corpus_hash,omitempty"`
}

// GenerateTask returns the task of seed, its gold in Verify.
func (e *Env) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Task{}, err
	}
	t, err := e.task(seed)
	if err != nil {
		return dojo.Task{}, err
	}
	vb := qaVerifyBlock{Question: t.it.question, Answers: t.it.answers, Kind: t.it.kind, Hops: t.it.hops}
	for h, ev := range t.it.evidence {
		ids := make([]string, len(ev))
		for i, p := range ev {
			ids[i] = t.web.page(int(p)).ID
		}
		vb.Evidence = append(vb.Evidence, ids)
		vb.Targets = append(vb.Targets, t.web.page(int(t.it.targets[h])).ID)
	}
	meta := map[string]any{"kind": t.it.kind, "hops": t.it.hops}
	mode := "tools"
	if e.cfg.text {
		mode = "text"
	}
	id := fmt.Sprintf("%s/%s/h%d/s%d/n%g/q%d/%s/k%d/%d", e.spec.ID, e.kind, e.hops, e.size, e.noise, e.perWorld, mode, e.cfg.topk, seed)
	if t.world != nil {
		o := t.world.Options
		vb.World, vb.WorldHash = &o, t.world.Hash()
	} else {
		vb.Index, vb.CorpusHash = t.index, t.cor.Hash
		id = fmt.Sprintf("%s/%s/%s/k%d/%d", e.spec.ID, t.cor.Hash[:12], mode, e.cfg.topk, seed)
		meta = map[string]any{"index": t.index, "hops": t.it.hops}
	}
	b, err := json.Marshal(vb)
	if err != nil {
		return dojo.Task{}, dojo.Errorf(dojo.CodeInternal, "websim: encoding the gold: %v", err)
	}
	task := dojo.Task{ID: id, Env: e.spec.ID, Options: e.opts, Seed: seed, Prompt: e.promptOf(t), Verify: b, Meta: meta}
	if !e.cfg.text {
		task.Tools = searchTools
	}
	return task, nil
}

// fromVerify rebuilds a task from its verify block.
func (e *Env) fromVerify(t dojo.Task) (*qaTask, error) {
	var vb qaVerifyBlock
	dec := json.NewDecoder(bytes.NewReader(t.Verify))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vb); err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block: %v (want the object GenerateTask writes)", t.ID, err)
	}
	if len(vb.Answers) == 0 || len(vb.Evidence) != len(vb.Targets) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block: want answers, and as many targets as evidence lists", t.ID)
	}
	qt := &qaTask{it: qaItem{question: vb.Question, answers: vb.Answers, kind: vb.Kind, hops: vb.Hops}}
	switch {
	case vb.World != nil:
		if e.v.corpus {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s is over a generated world: verify it with a websim/SearchQA env", t.ID)
		}
		w, err := sharedWorld(*vb.World)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: %v", t.ID, err)
		}
		if vb.WorldHash != "" && w.Hash() != vb.WorldHash {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: the world does not hash to world_hash: the task was made by another version of the generator", t.ID)
		}
		qt.web, qt.world = w, w
	default:
		if !e.v.corpus {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s names no world: a corpus task is verified with websim/Corpus-v0", t.ID)
		}
		c, err := openCorpus(e.corpus, e.qa)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: %v", t.ID, err)
		}
		if vb.CorpusHash != "" && c.Hash != vb.CorpusHash {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: the corpus files do not hash to corpus_hash: they changed since the task was made", t.ID)
		}
		qt.web, qt.cor, qt.index = c, c, vb.Index
	}
	page := func(id string) (int32, error) {
		p, ok := qt.web.lookup(id)
		if !ok {
			return 0, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block names page %q, which does not exist", t.ID, id)
		}
		return int32(p), nil
	}
	for h, ids := range vb.Evidence {
		var ev []int32
		for _, id := range ids {
			p, err := page(id)
			if err != nil {
				return nil, err
			}
			ev = append(ev, p)
		}
		tp, err := page(vb.Targets[h])
		if err != nil {
			return nil, err
		}
		qt.it.evidence = append(qt.it.evidence, ev)
		qt.it.targets = append(qt.it.targets, tp)
	}
	return qt, nil
}

// VerifyTask scores a response to a task without an episode. The gold comes
// from t.Verify (the world is rebuilt from its options and checked against
// world_hash), or from regenerating t.Seed when Verify is empty.
// Response.Messages replays each assistant message as a turn (tool results
// are recomputed; other roles are ignored). Response.Text is a whole
// Search-R1 response: its <information> blocks are dropped (searches run
// again), and it is played as turns ending at each </search>, </answer> and
// </tool_call>. The parts are the episode's, summed over its turns; the
// sr1 parts score the replayed text with the recomputed information.
func (e *Env) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Score{}, err
	}
	var qt *qaTask
	var err error
	if len(t.Verify) > 0 {
		qt, err = e.fromVerify(t)
	} else {
		if t.Env != "" && t.Env != e.spec.ID {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "websim: task %s is for %s, not %s", t.ID, t.Env, e.spec.ID)
		}
		qt, err = e.task(t.Seed)
	}
	if err != nil {
		return dojo.Score{}, err
	}
	ep := newQAEpisode(qt.web, &qt.it, e.cfg)
	var vals [numSearchParts]float64
	success := false
	var errs []string
	play := func(a dojo.Action) bool {
		res := ep.play(a)
		for i, v := range res.vals {
			vals[i] += v
		}
		errs = append(errs, res.errs...)
		success = res.success
		return res.final || ep.turns >= e.maxTurns || e.terminate && ep.invalid >= e.maxInvalid
	}
	if len(r.Messages) > 0 {
		for _, m := range r.Messages {
			if m.Role == "assistant" && play(dojo.MessageAction(m.Content, m.ToolCalls...)) {
				break
			}
		}
	} else {
		for _, turn := range splitTurns(r.Text) {
			if play(dojo.TextAction(turn)) {
				break
			}
		}
	}
	ep.searchR1Parts(&vals)
	parts := make([]dojo.Part, numSearchParts)
	w := e.parts.Parts()
	for i := range parts {
		parts[i] = dojo.Part{Name: searchComponents[i].Name, Value: vals[i], Weight: w[i].Weight}
	}
	s := dojo.Score{Reward: dojo.Sum(parts), Success: success, Parts: parts}
	if len(errs) > 0 {
		s.Error = strings.Join(errs, "; ")
	}
	return s, nil
}
