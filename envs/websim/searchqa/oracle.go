package searchqa

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dojo-rl/dojo"
)

// OracleAction plays the gold search path: for the first hop not yet read,
// a search that returns one of its supporting pages (and, in tools mode,
// the opening of the hop's page); once every hop is read, the gold answer.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
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
