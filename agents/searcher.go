package agents

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
)

const searcherDoc = "a search baseline for question-answering envs with a search tool (websim): searches the question once, then answers the first name in the top result that the question does not hold (a number, for questions of years and counts); tool calls, or Search-R1's <search>/<answer> in text envs"

func newSearcher(p Params) (dojo.AgentMaker, error) {
	if err := tabNoParams(p); err != nil {
		return nil, err
	}
	return searcherMaker{}, nil
}

// searcherMaker makes the search baseline: the agent a question-answering
// env should leave far behind its oracle, and above random. It reads the
// question from the first observation (the last user message, or the text
// after "Question: "), searches it, and answers from the top result: for a
// question asking a year or a number, the first number there that the
// question does not hold; otherwise the first run of capitalized words
// (joined by "of", "at" or "for") that the question does not hold.
type searcherMaker struct{}

func (searcherMaker) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	sp := ep.Spec.Action
	text := sp.Kind == dojo.KindText
	var hasSearch, hasAnswer bool
	for _, t := range sp.Tools {
		hasSearch = hasSearch || t.Name == "search"
		hasAnswer = hasAnswer || t.Name == "answer"
	}
	if !text && !(hasSearch && hasAnswer) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "searcher: %s has no search and answer tools (and is not a text env); it plays question-answering envs such as websim's", ep.Spec.ID).WithField("agent")
	}
	return &searcher{text: text}, nil
}

type searcher struct {
	text     bool
	question string
	turn     int
}

var (
	numberRe = regexp.MustCompile(`\d[\d,]*`)
	nameRe   = regexp.MustCompile(`[A-Z][\w'-]*(?:(?: (?:of|at|for|the))? [A-Z][\w'-]*)*`)
)

func (s *searcher) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	s.turn++
	if s.turn == 1 {
		s.question = questionOf(t.Obs)
		if s.text {
			return dojo.TextAction("<think>I will search the question.</think>\n<search>" + s.question + "</search>"), nil
		}
		args, _ := json.Marshal(map[string]string{"query": s.question})
		return dojo.MessageAction("", dojo.ToolCall{ID: "search_0", Name: "search", Arguments: args}), nil
	}
	answer := pickAnswer(s.question, topResult(t.Obs))
	if s.text {
		return dojo.TextAction("<think>The top result says it.</think>\n<answer>" + answer + "</answer>"), nil
	}
	args, _ := json.Marshal(map[string]string{"text": answer})
	return dojo.MessageAction("", dojo.ToolCall{ID: "answer_0", Name: "answer", Arguments: args}), nil
}

// questionOf finds the question in a first observation.
func questionOf(o dojo.Obs) string {
	q := o.Text
	for i := len(o.Messages) - 1; i >= 0; i-- {
		if o.Messages[i].Role == "user" {
			q = o.Messages[i].Content
			break
		}
	}
	if _, after, ok := strings.Cut(q, "Question: "); ok {
		q = after
	}
	return strings.TrimSpace(q)
}

// topResult is the text of the first result of a search's observation: a
// tool result's first snippet, or the first "Doc 1(…)" passage.
func topResult(o dojo.Obs) string {
	for _, m := range o.Messages {
		var res struct {
			Results []struct {
				Title, Snippet string
			} `json:"results"`
		}
		if json.Unmarshal([]byte(m.Content), &res) == nil && len(res.Results) > 0 {
			return res.Results[0].Title + ". " + res.Results[0].Snippet
		}
	}
	text := o.Text
	if i := strings.Index(text, "Doc 1("); i >= 0 {
		text = text[i+len("Doc 1("):]
		if j := strings.Index(text, "\nDoc 2("); j >= 0 {
			text = text[:j]
		}
		text = strings.Replace(strings.TrimPrefix(text, "Title: "), ") ", ". ", 1)
	}
	return text
}

// pickAnswer takes the first number (for questions of years and counts)
// or name in the result that the question does not hold.
func pickAnswer(question, result string) string {
	q := strings.ToLower(question)
	numeric := strings.HasPrefix(q, "how many") || strings.Contains(q, "what year") || strings.Contains(q, "population")
	re := nameRe
	if numeric {
		re = numberRe
	}
	skip := []string{"The", "It", "Its", "A", "An", "In", "Not", "People", "Today", "Until", "Alumni", "About", "Visitors", "Little", "Opinions"}
	for _, m := range re.FindAllString(result, -1) {
		m = strings.TrimRight(m, ",")
		if slices.Contains(skip, m) || strings.Contains(q, strings.ToLower(m)) {
			continue
		}
		return m
	}
	return ""
}
