package searchqa

import "strings"

// Search-R1's text actions (Jin et al. 2025, search_r1/llm_agent/
// generation.py): a completion is cut after its first </search>, else
// after its first </answer>, as the rollout stops generating there; its
// action is the first <search>…</search> or <answer>…</answer> block of
// what is left, its content trimmed.
const (
	searchOpen, searchClose = "<search>", "</search>"
	answerOpen, answerClose = "<answer>", "</answer>"
	infoOpen, infoClose     = "<information>", "</information>"
)

// searchR1Invalid is what Search-R1's environment answers a completion
// holding neither action.
const searchR1Invalid = "\nMy previous action is invalid. If I want to search, I should put the query between <search> and </search>. If I want to give the final answer, I should put the answer between <answer> and </answer>. Let me try again.\n"

// cutTurn cuts a completion as Search-R1's rollout does.
func cutTurn(text string) string {
	if i := strings.Index(text, searchClose); i >= 0 {
		return text[:i+len(searchClose)]
	}
	if i := strings.Index(text, answerClose); i >= 0 {
		return text[:i+len(answerClose)]
	}
	return text
}

// textAction reads the action of a (cut) completion: "search" or "answer"
// with its trimmed content, or "" when there is none. It is the regular
// expression <(search|answer)>(.*?)</\1> of Search-R1: the earliest opening
// tag that has its closing tag after it.
func textAction(turn string) (action, content string) {
	for i := 0; i < len(turn); i++ {
		j := strings.IndexByte(turn[i:], '<')
		if j < 0 {
			return "", ""
		}
		i += j
		for _, t := range [...]struct{ name, open, close string }{{"search", searchOpen, searchClose}, {"answer", answerOpen, answerClose}} {
			if strings.HasPrefix(turn[i:], t.open) {
				body := turn[i+len(t.open):]
				if k := strings.Index(body, t.close); k >= 0 {
					return t.name, strings.TrimSpace(body[:k])
				}
			}
		}
	}
	return "", ""
}

// splitTurns cuts a whole Search-R1 response (turns and the information
// blocks between them) into its turns: the information blocks, which the
// search engine wrote, are dropped, and a turn ends after each </search>,
// </answer> or </tool_call>.
func splitTurns(response string) []string {
	var b strings.Builder
	for s := response; ; {
		i := strings.Index(s, infoOpen)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.Index(s[i:], infoClose)
		if j < 0 {
			break // an unclosed block runs to the end
		}
		s = s[i+j+len(infoClose):]
	}
	var turns []string
	rest := b.String()
	for {
		cut := -1
		for _, c := range [...]string{searchClose, answerClose, "</tool_call>"} {
			if i := strings.Index(rest, c); i >= 0 && (cut < 0 || i+len(c) < cut) {
				cut = i + len(c)
			}
		}
		if cut < 0 {
			break
		}
		turns = append(turns, rest[:cut])
		rest = rest[cut:]
	}
	if strings.TrimSpace(rest) != "" || len(turns) == 0 {
		turns = append(turns, rest)
	}
	return turns
}
