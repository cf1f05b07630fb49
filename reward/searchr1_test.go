package reward

import (
	"math"
	"strings"
	"testing"
)

// searchR1Cases were checked against Search-R1's qa_em_format.py
// (compute_score_em with structure_format_score 0.2, final_format_score
// 0.1, retrieval_score 0.1) under Python 3.11, its is_valid_sequence
// applied to the response and extract_solution taking the response's last
// <answer> block (see SearchR1).
var searchR1Cases = []struct {
	response string
	golds    []string
	reward   float64
	problem  string
}{
	{"<think>I know.</think>\n<answer>Paris</answer>", []string{"Paris"}, 1, "Valid sequence format"},
	{"<think>I know.</think>\n<answer>London</answer>", []string{"Paris"}, 0.2, "Valid sequence format"},
	{"<answer>Paris</answer>", []string{"Paris"}, 0.8, "Unexpected tag <answer> in state start"},
	{"<answer>London</answer>", []string{"Paris"}, 0.1, "Unexpected tag <answer> in state start"},
	{"The answer is Paris.", []string{"Paris"}, 0, "Unexpected content 'The answer is Paris.' between tags (state: start)"},
	{"", []string{"Paris"}, 0, "Incomplete sequence, ended in state start"},
	{"<think>search</think><search>capital of France</search>\n\n<information>Doc 1(Title: Paris) Paris is the capital.</information>\n\n<think>got it</think><answer>Paris</answer>", []string{"Paris"}, 1, "Valid sequence format"},
	{"<think>search</think><search>capital of France</search>\n\n<information>Doc 1(Title: Paris) Paris is the capital.</information>\n\n<think>got it</think><answer>Lyon</answer>", []string{"Paris"}, 0.30000000000000004, "Valid sequence format"},
	{"<think>search</think><search>capital of France</search>\n\n<information>Doc 1(Title: Lyon) Lyon is big.</information>\n\n<think>hm</think><answer>Lyon</answer>", []string{"Paris"}, 0.2, "Valid sequence format"},
	{"<think>search</think><search>q</search><information>x</information><answer>Paris</answer>", []string{"Paris"}, 0.8, "Unexpected tag <answer> in state information"},
	{"<think>a</think>stray<answer>Paris</answer>", []string{"Paris"}, 0.8, "Unexpected content 'stray' between tags (state: after_think)"},
	{"<think>a</think><answer>Paris</answer> trailing", []string{"Paris"}, 0.8, "Unexpected content in state end"},
	{"<think>a</think><answer>London</answer><answer>Paris</answer>", []string{"Paris"}, 0.8, "Unexpected tag <answer> in state end"},
	{"<think>a</think><answer>Paris", []string{"Paris"}, 0, "Mismatch in answer tags: 1 opening vs 0 closing tags"},
	{"<think>a<think>b</think></think><answer>Paris</answer>", []string{"Paris"}, 0.8, "Unexpected tag <think> in state in_think"},
	{"<think>a</think><search>q</search><think>b</think><answer>Paris</answer>", []string{"Paris"}, 0.8, "Unexpected tag <think> in state after_search"},
	{"<THINK>a</THINK><answer>Paris</answer>", []string{"Paris"}, 0.8, "Unexpected content '<THINK>a</THINK>' between tags (state: start)"},
	{"  \n<think>a</think>  <answer> the Paris </answer>\n ", []string{"Paris"}, 1, "Valid sequence format"},
	{"<think>a</think><search>q</search><information>the answer is PARIS!</information><think>b</think><answer>no idea</answer>", []string{"Paris", "City of Light"}, 0.30000000000000004, "Valid sequence format"},
	{"<think></think><answer></answer>", []string{""}, 1, "Valid sequence format"},
	{"<think>a</think><answer>Paris</answer><think>b</think>", []string{"Paris"}, 0.8, "Unexpected tag <think> in state end"},
}

func TestSearchR1(t *testing.T) {
	for _, c := range searchR1Cases {
		s := SearchR1(c.response, c.golds)
		if s.Reward != c.reward {
			t.Errorf("SearchR1(%q, %q) = %v, want %v (%+v)", c.response, c.golds, s.Reward, c.reward, s)
		}
		if s.Problem != c.problem {
			t.Errorf("SearchR1(%q).Problem = %q, want %q", c.response, s.Problem, c.problem)
		}
		em, st, ff, rt := s.Parts()
		if sum := em + st + ff + rt; sum != s.Reward {
			t.Errorf("SearchR1(%q): parts %v+%v+%v+%v = %v, reward %v", c.response, em, st, ff, rt, sum, s.Reward)
		}
	}
}

// FuzzSearchR1 checks that any response scores one of Search-R1's six
// values, with parts summing to it, a valid format always ending in an
// answer, and never panics.
func FuzzSearchR1(f *testing.F) {
	for _, c := range searchR1Cases {
		f.Add(c.response, strings.Join(c.golds, "|"))
	}
	f.Fuzz(func(t *testing.T, response, golds string) {
		s := SearchR1(response, strings.Split(golds, "|"))
		ok := false
		for _, v := range []float64{0, 0.1, 0.2, sr1Structure + sr1Retrieval, 0.8, 1} {
			ok = ok || s.Reward == v
		}
		if !ok {
			t.Fatalf("SearchR1(%q) = %v", response, s.Reward)
		}
		em, st, ff, rt := s.Parts()
		if math.Abs(em+st+ff+rt-s.Reward) > 1e-15 {
			t.Fatalf("parts of %q do not sum to %v", response, s.Reward)
		}
		if s.ValidFormat && !s.Answered {
			t.Fatalf("%q: a valid format without an answer", response)
		}
	})
}
