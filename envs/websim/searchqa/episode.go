package searchqa

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/reward"
)

// components are the reward components, in Spec.Rewards order.
var components = [...]dojo.Component{
	{Name: dojo.SuccessComponent, Description: "1 on the final answer iff it matches a gold exactly (SQuAD normalization) and every hop's supporting page was retrieved or opened", Shaped: 1},
	{Name: "em", Description: "1 on the final answer iff it matches a gold exactly after SQuAD normalization (Search-R1's outcome reward)", Shaped: 0},
	{Name: "f1", Description: "on the final answer: SQuAD token F1 against the best gold", Shaped: 0.2},
	{Name: "format", Description: "-1 for a malformed turn: broken <tool_call> blocks, no action in text mode, an empty answer", Shaped: 0.1},
	{Name: "retrieval", Description: "the increase of the fraction of hops whose supporting pages a search returned or the agent opened", Shaped: 0.2},
	{Name: "opened", Description: "the increase of the fraction of hops whose supporting pages the agent opened", Shaped: 0.1},
	{Name: "search_cost", Description: "-1 per search (weight 0.01 in shaped+cost; not in shaped: it can change the optimal policy)", Shaped: 0},
	{Name: "invalid", Description: "-1 per invalid call: an unknown tool, or arguments not of the tool's inputSchema", Shaped: 0.1},
	{Name: "sr1_structure", Description: "on the last step, Search-R1's format term over the episode's text: +1 if well formed without a match, -1 if a match is ill formed (weight 0.2 in searchr1)", Shaped: 0},
	{Name: "sr1_final_format", Description: "on the last step: 1 for an <answer> in an ill-formed text without a match (weight 0.1 in searchr1)", Shaped: 0},
	{Name: "sr1_retrieval", Description: "on the last step: 1 when a well-formed text without a match has a gold in an <information> block (weight 0.1 in searchr1)", Shaped: 0},
}

// numComponents is the number of reward components.
const numComponents = len(components)

// Indices of the reward components in Spec.Rewards, looked up by name.
var (
	cSuccess        = family.MustIndex(components[:], dojo.SuccessComponent)
	cEM             = family.MustIndex(components[:], "em")
	cF1             = family.MustIndex(components[:], "f1")
	cFormat         = family.MustIndex(components[:], "format")
	cRetrieval      = family.MustIndex(components[:], "retrieval")
	cOpened         = family.MustIndex(components[:], "opened")
	cSearchCost     = family.MustIndex(components[:], "search_cost")
	cInvalid        = family.MustIndex(components[:], "invalid")
	cSR1Structure   = family.MustIndex(components[:], "sr1_structure")
	cSR1FinalFormat = family.MustIndex(components[:], "sr1_final_format")
	cSR1Retrieval   = family.MustIndex(components[:], "sr1_retrieval")
)

var searchProfiles = map[string]map[string]float64{
	// Search-R1's format-aware reward (qa_em_format.py).
	"searchr1": {"em": 1, "sr1_structure": reward.SearchR1Structure, "sr1_final_format": reward.SearchR1FinalFormat, "sr1_retrieval": reward.SearchR1Retrieval},
	// Search-R1's outcome reward (qa_em.py): exact match alone.
	"em": {"em": 1},
	// shaped with a cost per search (the shaped of earlier versions).
	"shaped+cost": {dojo.SuccessComponent: 1, "f1": 0.2, "format": 0.1, "retrieval": 0.2, "opened": 0.1, "search_cost": 0.01, "invalid": 0.1},
}

// web is what an episode searches: pages and their index.
type web interface {
	index() *bm25.Index
	page(i int) *Page
	lookup(id string) (int, bool)
}

func (w *World) index() *bm25.Index           { return w.Index }
func (w *World) page(i int) *Page             { return &w.Pages[i] }
func (w *World) lookup(id string) (int, bool) { return w.PageByID(id) }
func (c *Corpus) index() *bm25.Index          { return c.Index }
func (c *Corpus) page(i int) *Page            { return &c.Pages[i] }
func (c *Corpus) lookup(id string) (int, bool) {
	p, ok := c.byID[strings.TrimSpace(id)]
	return int(p), ok
}

// qaItem is the question an episode asks, with what grading it needs.
type qaItem struct {
	question string
	answers  []string
	kind     string
	hops     int
	// evidence lists, per hop, the pages that state the hop's fact, and
	// targets the page the oracle reads for it. Both are empty when the
	// supporting pages are unknown (a corpus without them): success is then
	// exact match alone.
	evidence [][]int32
	targets  []int32
}

// qaConfig is what playing a turn needs of the env's options.
type qaConfig struct {
	text     bool // Search-R1's text mode
	topk     int
	maxCalls int // max_calls_per_turn (0: no cap)
}

// qaEpisode is the state of one episode (or of one verified response).
type qaEpisode struct {
	web  web
	it   *qaItem
	cfg  qaConfig
	open int // the open page, -1 for none
	// read and opened say, per hop, whether an evidence page was returned
	// by a search or opened, and whether one was opened.
	read, opened []bool
	turns        int
	searches     int
	opens        int
	invalid      int
	traj         strings.Builder // the episode's text, as Search-R1 scores it
	done         bool
}

func newQAEpisode(w web, it *qaItem, cfg qaConfig) *qaEpisode {
	return &qaEpisode{web: w, it: it, cfg: cfg, open: -1, read: make([]bool, len(it.evidence)), opened: make([]bool, len(it.evidence))}
}

// qaTurnResult is the outcome of one assistant turn.
type qaTurnResult struct {
	vals     [numComponents]float64
	messages []dojo.Message
	text     string // Obs.Text, when not rendered from messages
	final    bool
	success  bool
	invalid  bool
	errs     []string
	closing  string
}

func (e *qaEpisode) fraction(xs []bool) float64 {
	if len(xs) == 0 {
		return 0
	}
	n := 0
	for _, x := range xs {
		if x {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

func (e *qaEpisode) grounded() bool {
	for _, r := range e.read {
		if !r {
			return false
		}
	}
	return true
}

// see records that page p was returned by a search (opened false) or
// opened.
func (e *qaEpisode) see(p int, opened bool) {
	for h, ev := range e.it.evidence {
		for _, q := range ev {
			if int(q) == p {
				e.read[h] = true
				if opened {
					e.opened[h] = true
				}
			}
		}
	}
}

// play plays one assistant turn.
func (e *qaEpisode) play(a dojo.Action) (res qaTurnResult) {
	e.turns++
	r0, o0 := e.fraction(e.read), e.fraction(e.opened)
	defer func() {
		res.vals[cRetrieval] = e.fraction(e.read) - r0
		res.vals[cOpened] = e.fraction(e.opened) - o0
	}()
	var calls []dojo.ToolCall
	text, plain := a.Text, a.Text // plain: without a leading <think> block
	var perrs []string
	switch {
	case a.Kind == dojo.ActIndex:
		text, plain = "", ""
	case a.Kind == dojo.ActMessage && len(a.ToolCalls) > 0:
		calls = a.ToolCalls
	default:
		calls, plain, perrs = reward.ParseToolCalls(a.Text)
		if len(calls) > 0 || len(perrs) > 0 {
			text = plain
		}
	}
	if len(calls) > 0 {
		e.traj.WriteString(a.Text)
		e.calls(calls, perrs, &res)
		return res
	}
	if len(perrs) > 0 { // only broken blocks: not an action
		res.vals[cFormat] = -1
		res.invalid = true
		e.invalid++
		res.errs = append(res.errs, perrs...)
		e.traj.WriteString(a.Text)
		res.messages = []dojo.Message{{Role: "user", Content: "Your reply could not be read: " + strings.Join(perrs, "; ") + ". Call a tool (search, open, find, answer) or give the answer in <answer>…</answer>."}}
		return res
	}
	turn := cutTurn(text)
	e.traj.WriteString(turn)
	switch act, content := textAction(turn); {
	case act == "search":
		e.searches++
		res.vals[cSearchCost] = -1
		info := "\n\n" + infoOpen + e.passages(content, e.cfg.topk) + infoClose + "\n\n"
		e.traj.WriteString(info)
		res.text = info
		res.messages = []dojo.Message{{Role: "user", Content: strings.TrimSpace(info)}}
	case act == "answer":
		e.finish(content, &res)
	case !e.cfg.text && a.Kind != dojo.ActIndex:
		e.finish(dojo.Answer(plain), &res) // a reply without an action is the final answer
	default:
		res.vals[cFormat] = -1
		res.invalid = true
		e.invalid++
		res.errs = append(res.errs, "no action: put a query in <search>…</search> or the answer in <answer>…</answer>")
		e.traj.WriteString(searchR1Invalid)
		res.text = searchR1Invalid
		res.messages = []dojo.Message{{Role: "user", Content: strings.TrimSpace(searchR1Invalid)}}
	}
	return res
}

// calls runs a turn's tool calls in order; an answer call ends the turn.
func (e *qaEpisode) calls(calls []dojo.ToolCall, perrs []string, res *qaTurnResult) {
	if len(perrs) > 0 {
		res.vals[cFormat] = -1
		res.errs = append(res.errs, perrs...)
	}
	capped := e.cfg.maxCalls > 0 && len(calls) > e.cfg.maxCalls
	if capped {
		res.errs = append(res.errs, family.Refusals(len(calls), e.cfg.maxCalls))
	}
	for i, c := range calls {
		id := c.ID
		if id == "" {
			id = fmt.Sprintf("call_%d", i)
		}
		if capped && i >= e.cfg.maxCalls { // refused, unrun
			res.vals[cInvalid]--
			res.invalid = true
			e.invalid++
			res.messages = append(res.messages, qaToolMessage(c.Name, id, map[string]string{"error": family.Refusal(i, len(calls), e.cfg.maxCalls)}))
			continue
		}
		def, args, err := decodeSearchCall(c)
		if err != nil {
			res.vals[cInvalid]--
			res.invalid = true
			e.invalid++
			res.errs = append(res.errs, err.Error())
			res.messages = append(res.messages, qaToolMessage(c.Name, id, map[string]string{"error": err.Error()}))
			continue
		}
		var out any
		switch def.name {
		case "search":
			k := e.cfg.topk
			if n, ok := args.num["k"]; ok {
				k = n
			}
			e.searches++
			res.vals[cSearchCost]--
			out = e.search(args.str["query"], k)
		case "open":
			out = e.openPage(args.str["page"])
		case "find":
			out = e.find(args.str["text"])
		case "answer":
			e.finish(args.str["text"], res)
			return
		}
		res.messages = append(res.messages, qaToolMessage(def.name, id, out))
	}
}

func qaToolMessage(name, id string, v any) dojo.Message {
	b, _ := json.Marshal(v)
	return dojo.Message{Role: "tool", Name: name, ToolCallID: id, Content: string(b)}
}

// finish ends the episode with an answer.
func (e *qaEpisode) finish(answer string, res *qaTurnResult) {
	answer = strings.TrimSpace(answer)
	res.final = true
	em := reward.ExactMatch(answer, e.it.answers)
	res.vals[cEM] = em
	res.vals[cF1] = reward.TokenF1(answer, e.it.answers)
	if answer == "" {
		res.vals[cFormat] = -1
		res.errs = append(res.errs, "the answer is empty")
	}
	res.success = em == 1 && e.grounded()
	switch {
	case res.success:
		res.vals[cSuccess] = 1
		res.closing = "The episode is over: the answer is correct."
	case em == 1:
		res.closing = "The episode is over: the answer matches, but the pages that support it were never retrieved, so it does not count."
	default:
		res.closing = "The episode is over: the answer is not correct."
	}
}

// searchR1Parts scores the episode's text with Search-R1's format-aware
// reward: the values of sr1_structure, sr1_final_format and sr1_retrieval.
func (e *qaEpisode) searchR1Parts(vals *[numComponents]float64) {
	s := reward.SearchR1(e.traj.String(), e.it.answers)
	_, st, ff, rt := s.Parts()
	vals[cSR1Structure] = st / reward.SearchR1Structure
	vals[cSR1FinalFormat] = ff / reward.SearchR1FinalFormat
	vals[cSR1Retrieval] = rt / reward.SearchR1Retrieval
}

type searchResult struct {
	Page    string `json:"page"`
	Title   string `json:"title"`
	Snippet string `json:"snippet"`
}

func (e *qaEpisode) search(query string, k int) any {
	ix := e.web.index()
	hits := ix.Search(query, k)
	out := struct {
		Query   string         `json:"query"`
		Results []searchResult `json:"results"`
		Note    string         `json:"note,omitempty"`
	}{Query: query, Results: []searchResult{}}
	for _, h := range hits {
		p := e.web.page(h.Doc)
		e.see(h.Doc, false)
		out.Results = append(out.Results, searchResult{Page: p.ID, Title: p.Title, Snippet: ix.Snippet(h.Doc, query)})
	}
	if len(hits) == 0 {
		out.Note = "no page matches the query: try other keywords"
	}
	return out
}

// passages is a search's result as Search-R1's retriever writes it:
// "Doc i(Title: …) text" lines.
func (e *qaEpisode) passages(query string, k int) string {
	var b strings.Builder
	for i, h := range e.web.index().Search(query, k) {
		p := e.web.page(h.Doc)
		e.see(h.Doc, false)
		fmt.Fprintf(&b, "Doc %d(Title: %s) %s\n", i+1, p.Title, p.Text)
	}
	if b.Len() == 0 {
		return "No results.\n"
	}
	return b.String()
}

func (e *qaEpisode) openPage(id string) any {
	i, ok := e.web.lookup(id)
	if !ok {
		return map[string]string{"error": fmt.Sprintf("no page %q: open a page id from the search results, or an exact title", clipText(id, 80))}
	}
	e.open = i
	e.opens++
	e.see(i, true)
	p := e.web.page(i)
	links := make([]string, 0, len(p.Links))
	for _, l := range p.Links {
		links = append(links, e.web.page(int(l)).ID)
	}
	return struct {
		Page  string   `json:"page"`
		Title string   `json:"title"`
		Text  string   `json:"text"`
		Links []string `json:"links"`
	}{p.ID, p.Title, p.Text, links}
}

// find returns the sentences of the open page holding text, ignoring case.
func (e *qaEpisode) find(text string) any {
	if e.open < 0 {
		return map[string]string{"error": "no page is open: open a page first"}
	}
	p := e.web.page(e.open)
	needle := strings.ToLower(strings.Join(strings.Fields(text), " "))
	var matches []string
	for _, s := range pageSentences(p.Title + ". " + p.Text) {
		if strings.Contains(strings.ToLower(s), needle) {
			matches = append(matches, s)
		}
	}
	out := struct {
		Page    string   `json:"page"`
		Text    string   `json:"text"`
		Count   int      `json:"count"`
		Matches []string `json:"matches"`
	}{p.ID, text, len(matches), matches}
	if len(out.Matches) > 10 {
		out.Matches = out.Matches[:10]
	}
	if out.Matches == nil {
		out.Matches = []string{}
	}
	return out
}

// pageSentences splits text after ". ", "! " and "? ", white space collapsed.
func pageSentences(text string) []string {
	text = strings.Join(strings.Fields(text), " ")
	var out []string
	for len(text) > 0 {
		i := strings.IndexAny(text, ".!?")
		for i >= 0 && i+1 < len(text) && text[i+1] != ' ' {
			j := strings.IndexAny(text[i+1:], ".!?")
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = strings.TrimSpace(text[i+1:])
	}
	return out
}
