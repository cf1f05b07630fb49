package searchqa

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// Env is a search QA env: websim/SearchQA-v0 and its kinds, SearchR1-v0
// (over generated worlds) and Corpus-v0 (over a corpus). Make it with a
// registry to which Register (or websim.Register) added them.
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
	policy     family.Policy
	parts      *reward.Parts
	metrics    dojo.Metrics

	t      *qaTask
	prompt []dojo.Message
	ep     *qaEpisode
	life   family.Lifecycle
}

// Env implements these optional interfaces.
var (
	_ dojo.Oracle        = (*Env)(nil)
	_ dojo.TaskGenerator = (*Env)(nil)
	_ dojo.TaskVerifier  = (*Env)(nil)
)

func newEnv(v searchVariant, o dojo.Options) (*Env, error) {
	e := &Env{
		v: v, opts: o.Clone(), kind: o.String("kind"), hops: o.Int("hops"), size: o.Int("size"), noise: o.Float("noise"),
		perWorld: o.Int("questions_per_world"), corpus: o.String("corpus"), qa: o.String("qa"),
		cfg:      qaConfig{text: o.String("mode") == "text", topk: o.Int("topk"), maxCalls: o.Int(family.MaxCallsOption)},
		maxTurns: o.Int("max_turns"), policy: family.NewPolicy(o),
	}
	if v.kind != "" {
		e.kind = v.kind
	}
	if !v.corpus && e.hops > 0 && e.hops < minHops(e.kind) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"hops\" is %d, but %s questions take at least %d hops", v.id(), e.hops, e.kind, minHops(e.kind)).WithField("options.hops")
	}
	if e.maxTurns < 1 || e.cfg.topk < 1 || e.cfg.maxCalls < 1 || (!v.corpus && e.perWorld < 1) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: options max_turns, topk, max_calls_per_turn and questions_per_world must be positive", v.id())
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
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	t, err := e.task(seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.t, e.prompt = t, e.promptOf(t)
	e.ep = newQAEpisode(t.web, &t.it, e.cfg)
	e.life.Begin()
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
	if err := e.life.Step(ctx); err != nil {
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
	case e.policy.Ends(e.ep.invalid):
		st.Terminated = true
		st.Obs = e.turnObs(&res)
	default:
		st.Obs = e.turnObs(&res)
		if e.ep.turns >= e.maxTurns {
			st.Truncated = true
		}
	}
	if st.Done() {
		e.life.End()
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
