package reward

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/dojo-rl/dojo"
)

// pySpace reports whether Python's str.isspace holds for r.
func pySpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// pyStrip is Python's str.strip().
func pyStrip(s string) string { return strings.TrimFunc(s, pySpace) }

// ToolRLFormat returns ToolRL's format reward, 0 or 1, for a response,
// given which tags the ground truth holds (goldHasCalls: <tool_call>;
// goldHasResponse: <response>). The response is stripped first, as ToolRL
// does; see ToolRL for the patterns.
func ToolRLFormat(response string, goldHasCalls, goldHasResponse bool) float64 {
	if toolRLFormatOK(pyStrip(response), goldHasCalls, goldHasResponse) {
		return 1
	}
	return 0
}

func toolRLFormatOK(r string, calls, resp bool) bool {
	switch {
	case resp && !calls:
		return strings.Count(r, responseOpen) == 1 && strings.Count(r, responseClose) == 1 &&
			pyDollar(r, func(s string) bool {
				return seqMatch(s, thinkOpen, []string{thinkClose + "\n" + responseOpen}, responseClose)
			})
	case calls && !resp:
		return strings.Count(r, toolCallOpen) == 1 && strings.Count(r, toolCallClose) == 1 &&
			pyDollar(r, func(s string) bool {
				return seqMatch(s, thinkOpen, []string{thinkClose + "\n" + toolCallOpen + "\n"}, "\n"+toolCallClose)
			})
	case calls && resp:
		return strings.Count(r, toolCallOpen) == 1 && strings.Count(r, toolCallClose) == 1 &&
			strings.Count(r, responseOpen) == 1 && strings.Count(r, responseClose) == 1 &&
			pyDollar(r, func(s string) bool {
				return seqMatch(s, thinkOpen, []string{
					thinkClose + "\n" + toolCallOpen + "\n",
					"\n" + toolCallClose + "\n" + responseOpen,
				}, responseClose)
			})
	default:
		return pyDollar(r, func(s string) bool { return seqMatch(s, thinkOpen, nil, thinkClose) })
	}
}

// pyDollar applies an anchored match the way Python's "$" does without
// re.MULTILINE: at the end of the string or before a final newline.
func pyDollar(s string, match func(string) bool) bool {
	if match(s) {
		return true
	}
	return strings.HasSuffix(s, "\n") && match(s[:len(s)-1])
}

// seqMatch reports whether s matches ^prefix.*?mid_1.*?mid_2...suffix$
// with "." matching anything: s starts with prefix, ends with suffix, and
// the mids occur in order, without overlapping, between them. Taking the
// earliest occurrence of each mid is enough.
func seqMatch(s, prefix string, mids []string, suffix string) bool {
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) {
		return false
	}
	end := len(s) - len(suffix)
	pos := len(prefix)
	if end < pos {
		return false
	}
	for _, m := range mids {
		i := strings.Index(s[pos:end], m)
		if i < 0 {
			return false
		}
		pos += i + len(m)
	}
	return true
}

// ToolRLCorrectness returns ToolRL's correctness reward, in [-3, 3], for
// predicted calls against gold calls, each call read as the object
// {"name": Name, "parameters": Arguments} (empty arguments are {}); see
// ToolRL for the formula. No gold calls score 0 (the ground truth has no
// <tool_call>); gold calls and no predicted calls score −3 (an empty block
// does not parse). Arguments that are not valid JSON score −3 (rlla.py could
// not read such a line), and so do arguments that are not a JSON object in a
// call whose name matches a gold call's (rlla.py raises reading its keys).
func ToolRLCorrectness(gold, pred []dojo.ToolCall) float64 {
	if len(gold) == 0 {
		return 0
	}
	if len(pred) == 0 {
		return toolRLMin
	}
	gt, ok := callObjects(gold)
	if !ok {
		return toolRLMin
	}
	pd, ok := callObjects(pred)
	if !ok {
		return toolRLMin
	}
	return toolRLCorrectness(gt, pd)
}

// callObjects makes {"name", "parameters"} objects of calls.
func callObjects(calls []dojo.ToolCall) ([]jval, bool) {
	out := make([]jval, len(calls))
	for i, c := range calls {
		args, err := parseArgs(c.Arguments)
		if err != nil {
			return nil, false
		}
		out[i] = jval{kind: jObj, keys: callKeys,
			vals: []jval{{kind: jStr, s: c.Name}, args}}
	}
	return out, true
}

var callKeys = []string{"name", "parameters"}

// ToolRL's default bounds of the correctness reward.
const (
	toolRLMax = 3.0
	toolRLMin = -3.0
)

// ToolRL scores a response against a ToolRL-format ground truth: the
// reward (format + correctness) and its two parts, as rlla.py's
// compute_score computes them with its defaults. The error is for a ground
// truth that rlla.py cannot read (a line of its <tool_call> block that is
// not JSON); the response can never cause one.
//
// The reward is ToolRL's, reimplemented from the paper (Qian et al., "ToolRL:
// Reward is All Tool Learning Needs", 2025, section 3.3) and its released
// reward code, verl/utils/reward_score/rlla.py of
// github.com/qiancheng0/ToolRL (functions customize_format_reward_func,
// compute_tool_call_reward, match_score, customize_correctness_reward_tool
// and compute_score; read in the public copies of that file in
// github.com/neruzZ-JPG/ToolRL at commit 2e09bf3 and
// github.com/WingchunSiu/ToolRL, which agree on these functions), with its
// default settings (no environment variables set: no length reward,
// correctness in [-3, 3], format in {0, 1}, step schedules off).
//
// The ground truth G and the response R are texts. R is first stripped of
// surrounding whitespace (Python's str.strip), as compute_score does after
// cutting the chat template away; the caller passes the assistant's text
// only.
//
// Format (0 or 1). Which pattern R must match depends on the tags G holds;
// the patterns are Python regular expressions searched with re.DOTALL
// (".*?" spans anything, newlines included; "$" also matches before a
// final newline):
//
//	G has <response>, no <tool_call>:  ^<think>.*?</think>\n<response>.*?</response>$
//	                                   and R holds <response> and </response> once each
//	G has <tool_call>, no <response>:  ^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>$
//	                                   and R holds <tool_call> and </tool_call> once each
//	G has both:                        ^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>\n<response>.*?</response>$
//	                                   and R holds each of the four tags once
//	G has neither:                     ^<think>.*?</think>$
//
// Correctness (in [-3, 3]). If G holds no <tool_call>, correctness is 0
// whatever R is. Otherwise the calls of a text are read as rlla.py reads
// them: the part after the first <tool_call> up to the next <tool_call>,
// cut at the first </tool_call>, stripped, split on "\n", each line parsed
// with Python's json.loads (NaN and Infinity allowed, integers exact, a
// repeated key keeping its last value). A ground truth that does not parse
// is an error (rlla.py raises). If R lacks <tool_call> or </tool_call>, or a
// line of R does not parse, correctness is −3. With the gold calls g_1..g_n
// and the predicted calls p_1..p_m, each an object {"name", "parameters"}:
//
//	if [g] == [p] (the same objects in the same order): correctness = 3
//	S    = match(names(g), names(p))
//	Smax = 1 + Σ_i (1 + |params(g_i)|)
//	for each g_i in order: among the p_j not yet used with name(p_j) = name(g_i),
//	    take the first with the largest
//	        s_ij = match(keys(params(g_i)), keys(params(p_j)))
//	             + #{k ∈ params(g_i) : k ∈ params(p_j) and params(p_j)[k] == params(g_i)[k]}
//	    if s_ij > 0: mark p_j used, S += s_ij
//	correctness = (3 − (−3)) · S / Smax + (−3)
//
// where match(a, b) is 1 if the lists are equal in order, else 0 if either
// is empty, else |a ∩ b| / (|a| + |b| − |a ∩ b|) with the intersection
// counted as a multiset (Counter), and == is Python's equality (1 == 1.0
// == true; a parameter value NaN is not equal to NaN, but NaN inside a list
// or an object, or in match, is: json.loads shares one NaN object and
// Python compares container items by identity first). Any Python
// exception inside the scoring (a call that is not an object, a missing
// "name" or "parameters", a name that is a list or an object, parameters
// that are not an object) makes correctness −3, as rlla.py's try/except
// does; note that a call written with "arguments" instead of "parameters"
// is such a case.
//
// The reward is format + correctness, in [-3, 4].
func ToolRL(gold, response string) (total, format, correctness float64, err error) {
	r := pyStrip(response)
	hasCalls := strings.Contains(gold, toolCallOpen)
	if toolRLFormatOK(r, hasCalls, strings.Contains(gold, responseOpen)) {
		format = 1
	}
	if hasCalls {
		gt, err := toolRLLines(gold)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("ground truth: %v: write each gold call on its own line of the <tool_call> block as a JSON object {\"name\": ..., \"parameters\": {...}}", err)
		}
		correctness = toolRLMin
		if strings.Contains(r, toolCallOpen) && strings.Contains(r, toolCallClose) {
			if pd, err := toolRLLines(r); err == nil {
				correctness = toolRLCorrectness(gt, pd)
			}
		}
	}
	return format + correctness, format, correctness, nil
}

// toolRLLines reads the calls of a text as rlla.py does; the text holds
// <tool_call>.
func toolRLLines(s string) ([]jval, error) {
	_, after, _ := strings.Cut(s, toolCallOpen)
	if i := strings.Index(after, toolCallOpen); i >= 0 {
		after = after[:i]
	}
	if i := strings.Index(after, toolCallClose); i >= 0 {
		after = after[:i]
	}
	after = pyStrip(after)
	out := make([]jval, 0, strings.Count(after, "\n")+1)
	for n := 1; ; n++ {
		line, more, found := strings.Cut(after, "\n")
		v, err := parseJSON(line)
		if err != nil {
			return nil, fmt.Errorf("line %d of the <tool_call> block is not JSON (%v)", n, err)
		}
		out = append(out, v)
		if !found {
			return out, nil
		}
		after = more
	}
}

// toolRLCorrectness is rlla.py's compute_tool_call_reward with bounds
// [-3, 3], −3 where Python would raise.
func toolRLCorrectness(gt, pd []jval) float64 {
	if listEqual(gt, pd) {
		return toolRLMax
	}
	var nbuf [16]jval
	names := nbuf[:0]
	for _, tools := range [2][]jval{gt, pd} {
		for i := range tools {
			n, ok := tools[i].get("name")
			if !ok { // not an object (TypeError) or no "name" (KeyError)
				return toolRLMin
			}
			names = append(names, *n)
		}
	}
	score, ok := matchScore(names[:len(gt)], names[len(gt):])
	if !ok {
		return toolRLMin
	}
	localMax := 1.0
	var ubuf [16]bool
	used := ubuf[:0]
	if len(pd) > len(ubuf) {
		used = make([]bool, 0, len(pd))
	}
	used = used[:len(pd)]
	for i := range gt {
		gName := &names[i]
		gParams, ok := gt[i].get("parameters")
		if !ok {
			return toolRLMin
		}
		n, ok := gParams.pyLen()
		if !ok {
			return toolRLMin
		}
		localMax += 1 + float64(n)
		best, bestScore := -1, 0.0
		for j := range pd {
			if used[j] || !pyEqual(&names[len(gt)+j], gName) {
				continue
			}
			pParams, ok := pd[j].get("parameters")
			if !ok || gParams.kind != jObj || pParams.kind != jObj {
				return toolRLMin // KeyError, or .keys() of a non-dict
			}
			ps := keysMatch(gParams.keys, pParams.keys)
			var cs float64
			for k, key := range gParams.keys {
				if v, ok := pParams.get(key); ok && pyEqual(v, &gParams.vals[k]) {
					cs++
				}
			}
			if total := ps + cs; total > bestScore {
				best, bestScore = j, total
			}
		}
		if best >= 0 {
			used[best] = true
			score += bestScore
		}
	}
	return (toolRLMax-toolRLMin)*score/localMax + toolRLMin
}

func listEqual(a, b []jval) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !pyItemEqual(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

// matchScore is rlla.py's match_score on values; false where Python
// raises (an unhashable element reaching the Counter).
func matchScore(a, b []jval) (float64, bool) {
	if listEqual(a, b) {
		return 1, true
	}
	if len(a) == 0 || len(b) == 0 {
		return 0, true
	}
	for i := range a {
		if !a[i].pyHashable() {
			return 0, false
		}
	}
	for i := range b {
		if !b[i].pyHashable() {
			return 0, false
		}
	}
	var buf [16]bool
	seen := buf[:0]
	if len(a) > len(buf) {
		seen = make([]bool, 0, len(a))
	}
	seen = seen[:len(a)]
	inter := 0
	for i := range a {
		if seen[i] {
			continue
		}
		c1 := 1
		for j := i + 1; j < len(a); j++ {
			if !seen[j] && pyItemEqual(&a[i], &a[j]) {
				seen[j] = true
				c1++
			}
		}
		c2 := 0
		for j := range b {
			if pyItemEqual(&a[i], &b[j]) {
				c2++
			}
		}
		inter += min(c1, c2)
	}
	maxPossible := len(a) + len(b) - inter
	if maxPossible <= 0 {
		return 0, true
	}
	return float64(inter) / float64(maxPossible), true
}

// keysMatch is match_score on two objects' key lists (distinct strings).
func keysMatch(a, b []string) float64 {
	if len(a) == len(b) {
		same := true
		for i := range a {
			if a[i] != b[i] {
				same = false
				break
			}
		}
		if same {
			return 1
		}
	}
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for _, k := range a {
		for _, l := range b {
			if k == l {
				inter++
				break
			}
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// ToolRLGold writes calls and an optional final answer as a ToolRL-format
// ground truth, the text ToolRL scores responses against:
//
//	<think></think>
//	<tool_call>
//	{"name": N, "parameters": ARGS}      (one line per call)
//	</tool_call>
//	<response>ANSWER</response>          (when answer is not empty)
//
// The think part is empty: only its presence matters to the format check.
// Arguments are compacted onto one line; empty arguments are {}.
func ToolRLGold(calls []dojo.ToolCall, answer string) string {
	var b strings.Builder
	b.WriteString(thinkOpen + thinkClose)
	if len(calls) > 0 {
		b.WriteString("\n" + toolCallOpen + "\n")
		for i, c := range calls {
			if i > 0 {
				b.WriteByte('\n')
			}
			name, _ := json.Marshal(c.Name)
			b.WriteString(`{"name": `)
			b.Write(name)
			b.WriteString(`, "parameters": `)
			var args bytes.Buffer
			switch raw := bytes.TrimSpace(c.Arguments); {
			case len(raw) == 0:
				args.WriteString("{}")
			case json.Compact(&args, raw) != nil:
				args.Reset()
				args.WriteString(strings.ReplaceAll(string(raw), "\n", " "))
			}
			b.Write(args.Bytes())
			b.WriteByte('}')
		}
		b.WriteString("\n" + toolCallClose)
	}
	if answer != "" {
		b.WriteString("\n" + responseOpen + answer + responseClose)
	}
	return b.String()
}
