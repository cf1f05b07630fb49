package dojo_test

import (
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/websim/searchqa"
)

// Errors about JSON that did not decode name the field in the format's
// terms, never a Go type.
func TestJSONErrorsSayNoGoTypes(t *testing.T) {
	var a dojo.Action
	err := a.UnmarshalJSON([]byte(`{"tool_calls":"x"}`))
	if err == nil || strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "dojo.") || !strings.Contains(err.Error(), "tool_calls: want an array, got string") {
		t.Errorf("action with a string tool_calls: %v", err)
	}
	err = a.UnmarshalJSON([]byte(`{"tool_calls":[{"name":1}]}`))
	if err == nil || strings.Contains(err.Error(), "Go ") || !strings.Contains(err.Error(), "tool_calls.name: want a string, got number") {
		t.Errorf("action with a numeric tool name: %v", err)
	}
	_, err = searchqa.LoadCorpus(strings.NewReader(`{"id":"a","title":3,"text":"x"}`+"\n"), "c.jsonl", strings.NewReader(`{"question":"q","answers":["a"]}`+"\n"), "qa.jsonl")
	if err == nil || strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "corpusLine") || !strings.Contains(err.Error(), "title: want a string, got number") {
		t.Errorf("corpus with a numeric title: %v", err)
	}
}
