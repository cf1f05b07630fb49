package toolcall

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"

	"github.com/dojo-rl/dojo"
)

// builder assembles a task: intents add to the request, run their gold
// calls on the working world (so results, ids and facts are the back ends'
// own) and say what the final answer states.
type builder struct {
	r      *rand.Rand
	w      World
	turns  [][]dojo.ToolCall
	merge  bool // parallel: every call goes into one turn
	asks   []string
	says   []string
	facts  []Fact
	used   map[string]bool
	err    error
	ncalls int
}

// call runs a gold call on the working world and returns its decoded
// result. wantFail marks the deliberate failing call of a recovery task.
func (b *builder) call(name string, a map[string]any, wantFail bool) map[string]any {
	raw, err := json.Marshal(a)
	if err != nil && b.err == nil {
		b.err = err
	}
	b.ncalls++
	c := dojo.ToolCall{ID: fmt.Sprintf("call_%d", b.ncalls), Name: name, Arguments: raw}
	out := execute(b.w, nil, c)
	if (out.failed || out.invalid) != wantFail && b.err == nil {
		b.err = fmt.Errorf("gold call %s %s: got %s (want failure: %v)", name, raw, out.content, wantFail)
	}
	if b.merge && len(b.turns) > 0 {
		b.turns[len(b.turns)-1] = append(b.turns[len(b.turns)-1], c)
	} else {
		b.turns = append(b.turns, []dojo.ToolCall{c})
	}
	var res map[string]any
	_ = json.Unmarshal([]byte(out.content), &res)
	return res
}

// fail records a generator error (the first one wins).
func (b *builder) fail(format string, x ...any) {
	if b.err == nil {
		b.err = fmt.Errorf(format, x...)
	}
}

func (b *builder) ask(format string, x ...any) { b.asks = append(b.asks, fmt.Sprintf(format, x...)) }
func (b *builder) say(format string, x ...any) { b.says = append(b.says, fmt.Sprintf(format, x...)) }
func (b *builder) fact(f Fact)                 { b.facts = append(b.facts, f) }

// pick returns one of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// unused returns a key of table t accepted by ok and not yet used by this
// task (marking it used), or "" when there is none.
func (b *builder) unused(t string, ok func(Rec) bool) string {
	keys := b.w.sortedKeys(t)
	var cand []string
	for _, k := range keys {
		if !b.used[t+"/"+k] && (ok == nil || ok(b.w[t][k])) {
			cand = append(cand, k)
		}
	}
	if len(cand) == 0 {
		if b.err == nil {
			b.err = fmt.Errorf("no usable record left in table %s", t)
		}
		return ""
	}
	k := pick(b.r, cand)
	b.used[t+"/"+k] = true
	return k
}

// hashID makes an id from content, so records created by calls made in any
// order get the same ids.
func hashID(w World, table, prefix string, parts ...any) string {
	h := fnv.New32a()
	for _, p := range parts {
		fmt.Fprintf(h, "%v|", p)
	}
	id := fmt.Sprintf("%s-%05d", prefix, h.Sum32()%100000)
	for i := 2; ; i++ {
		if _, taken := w[table][id]; !taken {
			return id
		}
		id = fmt.Sprintf("%s-%05d-%d", prefix, h.Sum32()%100000, i)
	}
}

// amount formats money for requests and answers: 1250.5 → "1,250.50".
func amount(x float64) string { return commas(fmt.Sprintf("%.2f", money(x))) }

// idFact is a fact stated by an identifier.
func idFact(name, id string) Fact { return textFact(name, id) }

// refusal is the fact of an irrelevance task: the answer says no tool can
// do it.
var refusal = textFact("refusal", "cannot", "can't", "can not", "unable", "not able", "no tool", "don't have", "do not have", "not possible", "isn't possible")

var firstNames = []string{"Alice", "Bruno", "Chen", "Dana", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko", "Liam", "Maya", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara"}
var lastNames = []string{"Smith", "Garcia", "Wang", "Okafor", "Novak", "Haddad", "Kim", "Rossi", "Silva", "Meyer", "Tanaka", "Dubois", "Larsen", "Patel", "Cohen"}

// people returns n distinct full names.
func people(r *rand.Rand, n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		name := pick(r, firstNames) + " " + pick(r, lastNames)
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// irrelevant are requests no tool of any domain serves.
var irrelevant = []string{
	"What will the weather be like in Lisbon tomorrow afternoon?",
	"Can you translate \"good morning, how are you\" into Japanese for me?",
	"Please reserve a table for four at an Italian restaurant tonight.",
	"Who won the football world cup in 1998?",
	"Order me a taxi to the airport for 6 am.",
	"Play some relaxing jazz music.",
	"Turn off the lights in the living room.",
	"What's the current stock price of a large tech company?",
}

func lower(s string) string { return strings.ToLower(s) }
