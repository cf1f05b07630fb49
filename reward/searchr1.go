package reward

import (
	"fmt"
	"strings"
)

// Search-R1's reward weights (Jin et al., "Search-R1: Training LLMs to
// Reason and Leverage Search Engines with Reinforcement Learning", 2025;
// verl/utils/reward_score/qa_em_format.py, compute_score_em).
const (
	SearchR1Structure   = 0.2 // structure_format_score
	SearchR1FinalFormat = 0.1 // final_format_score
	SearchR1Retrieval   = 0.1 // retrieval_score
)

// The weights as variables, so that sums round as Python's do (0.2 + 0.1
// is 0.30000000000000004 there; a Go constant expression is exact).
var (
	sr1Structure   float64 = SearchR1Structure
	sr1FinalFormat float64 = SearchR1FinalFormat
	sr1Retrieval   float64 = SearchR1Retrieval
)

// SearchR1Score is Search-R1's format-aware reward of one response, with
// what it is made of.
type SearchR1Score struct {
	// Reward is compute_score_em's value (see SearchR1).
	Reward float64
	// Answer is the last <answer> block's content, trimmed; Answered says
	// whether there is one.
	Answer   string
	Answered bool
	// EM is SQuAD exact match of the answer against the golds (em_check).
	EM bool
	// ValidFormat is is_valid_sequence's verdict on the response; Problem
	// says what broke it.
	ValidFormat bool
	Problem     string
	// Retrieval is is_retrieval_correct: some normalized gold occurs in
	// some normalized <information> block. It is computed only when the
	// format is valid, as Search-R1 does.
	Retrieval bool
}

// Parts returns the reward as four contributions that sum to it: em (1 or
// 0), structure (+0.2 for a valid format without a match, −0.2 for a match
// in an invalid format), final_format (+0.1 for an answer in an invalid
// format without a match) and retrieval (+0.1 for a gold in the
// information of a valid response without a match).
func (s SearchR1Score) Parts() (em, structure, finalFormat, retrieval float64) {
	switch {
	case s.Answered && s.EM:
		em = 1
		if !s.ValidFormat {
			structure = -SearchR1Structure
		}
	case s.ValidFormat:
		structure = SearchR1Structure
		if s.Retrieval {
			retrieval = SearchR1Retrieval
		}
	case s.Answered:
		finalFormat = SearchR1FinalFormat
	}
	return
}

// SearchR1 scores a response with Search-R1's format-aware exact-match
// reward:
//
//	answer matches a gold, format valid     1
//	answer matches a gold, format invalid   1 − 0.2 = 0.8
//	no match, format valid                  0.2, or 0.2 + 0.1 = 0.3 when a gold is in an <information> block
//	no match, format invalid, an answer     0.1
//	no answer, format invalid               0
//
// The response is the model's side alone (its turns and the <information>
// blocks the search engine returned), not a prompt around it. Search-R1
// scores the whole sequence, prompt included: is_valid_sequence checks the
// text after "<|im_start|>assistant", and extract_solution skips the one
// <answer> example its prompt holds by wanting two matches; here the
// response is that text, and its last <answer> block is the answer.
//
// The format (is_valid_sequence) is valid when each of the tags <think>,
// <search>, <information> and <answer> opens as often as it closes, and
// the tags follow think → (search → information → think)* → answer, with
// only white space outside them and nothing after </answer>. Tags are
// matched exactly (lower case, no attributes). Matching and normalization
// are SQuAD's (NormalizeAnswer).
func SearchR1(response string, golds []string) SearchR1Score {
	var s SearchR1Score
	s.ValidFormat, s.Problem = SearchR1Format(response)
	if s.ValidFormat {
		for _, info := range tagBlocks(response, "<information>", "</information>") {
			ni := NormalizeAnswer(info)
			for _, g := range golds {
				if strings.Contains(ni, NormalizeAnswer(g)) {
					s.Retrieval = true
				}
			}
		}
	}
	if answers := tagBlocks(response, "<answer>", "</answer>"); len(answers) > 0 {
		s.Answered, s.Answer = true, answers[len(answers)-1]
		s.EM = ExactMatch(s.Answer, golds) == 1
	}
	switch {
	case !s.Answered && s.ValidFormat && s.Retrieval:
		s.Reward = sr1Structure + sr1Retrieval
	case !s.Answered && s.ValidFormat:
		s.Reward = sr1Structure
	case !s.Answered:
		s.Reward = 0
	case s.EM && s.ValidFormat:
		s.Reward = 1
	case s.EM:
		s.Reward = 1 - sr1Structure
	case s.ValidFormat && s.Retrieval:
		s.Reward = sr1Structure + sr1Retrieval
	case s.ValidFormat:
		s.Reward = sr1Structure
	default:
		s.Reward = sr1FinalFormat
	}
	return s
}

// tagBlocks returns the contents of the non-overlapping open…close blocks
// of s, each trimmed of white space, as Python's
// re.findall(open+"(.*?)"+close, s, re.DOTALL) followed by strip().
func tagBlocks(s, open, close string) []string {
	var out []string
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return out
		}
		s = s[i+len(open):]
		j := strings.Index(s, close)
		if j < 0 {
			return out
		}
		out = append(out, pyStrip(s[:j]))
		s = s[j+len(close):]
	}
}

var searchR1Tags = [...]string{"<think>", "</think>", "<search>", "</search>", "<information>", "</information>", "<answer>", "</answer>"}

// SearchR1Format is Search-R1's is_valid_sequence on a response: whether
// its tags are balanced and in order (see SearchR1), and if not, the first
// problem found, worded as Search-R1 words it.
func SearchR1Format(response string) (bool, string) {
	for i := 0; i < len(searchR1Tags); i += 2 {
		o, c := strings.Count(response, searchR1Tags[i]), strings.Count(response, searchR1Tags[i+1])
		if o != c {
			return false, fmt.Sprintf("Mismatch in %s tags: %d opening vs %d closing tags", searchR1Tags[i][1:len(searchR1Tags[i])-1], o, c)
		}
	}
	state := "start"
	content := func(part string) (bool, string) {
		if pyStrip(part) == "" {
			return true, ""
		}
		switch state {
		case "in_think", "in_search", "in_information", "in_answer":
			return true, ""
		case "start", "after_think", "after_search", "information":
			return false, fmt.Sprintf("Unexpected content '%s' between tags (state: %s)", pyStrip(part), state)
		}
		return false, "Unexpected content in state " + state
	}
	for rest := response; ; {
		i, tag := nextSearchR1Tag(rest)
		if i < 0 {
			if ok, why := content(rest); !ok {
				return false, why
			}
			break
		}
		if ok, why := content(rest[:i]); !ok {
			return false, why
		}
		rest = rest[i+len(tag):]
		next := ""
		switch {
		case tag == "<think>" && (state == "start" || state == "information"):
			next = "in_think"
		case tag == "</think>" && state == "in_think":
			next = "after_think"
		case tag == "<search>" && state == "after_think":
			next = "in_search"
		case tag == "</search>" && state == "in_search":
			next = "after_search"
		case tag == "<information>" && state == "after_search":
			next = "in_information"
		case tag == "</information>" && state == "in_information":
			next = "information"
		case tag == "<answer>" && state == "after_think":
			next = "in_answer"
		case tag == "</answer>" && state == "in_answer":
			next = "end"
		default:
			return false, fmt.Sprintf("Unexpected tag %s in state %s", tag, state)
		}
		state = next
	}
	if state != "end" {
		return false, "Incomplete sequence, ended in state " + state
	}
	return true, "Valid sequence format"
}

// nextSearchR1Tag finds the first of Search-R1's tags in s.
func nextSearchR1Tag(s string) (int, string) {
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '<')
		if i < 0 {
			return -1, ""
		}
		i += off
		for _, t := range searchR1Tags {
			if strings.HasPrefix(s[i:], t) {
				return i, t
			}
		}
		off = i + 1
	}
}
