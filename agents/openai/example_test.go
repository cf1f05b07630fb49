package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai"
)

func Example() {
	// A stand-in for vLLM, Ollama or api.openai.com: it always calls add.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":null,
			"tool_calls":[{"id":"call_1","type":"function","function":{"name":"add","arguments":"{\"a\":2,\"b\":3}"}}]},
			"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":31,"completion_tokens":9}}`)
	}))
	defer srv.Close()

	temp := 0.0
	maker, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "qwen3-8b", Temperature: &temp, MaxTokens: 512})
	if err != nil {
		fmt.Println(err)
		return
	}
	spec := dojo.Spec{ID: "demo/Add-v0", Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: []dojo.Tool{
		{Name: "add", Description: "returns a + b", InputSchema: json.RawMessage(`{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}`)},
	}}}
	agent, err := maker.NewAgent(context.Background(), dojo.EpisodeStart{Seed: 1, Spec: spec})
	if err != nil {
		fmt.Println(err)
		return
	}
	action, err := agent.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "What is 2 + 3?"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Replace(maker.Name(), srv.URL, "http://HOST", 1))
	fmt.Println(action)
	fmt.Println(agent.(interface{ Usage() map[string]float64 }).Usage())
	// Output:
	// openai:http://HOST/v1 model=qwen3-8b temperature=0 max_tokens=512
	// {"tool_calls":[{"id":"call_1","name":"add","arguments":{"a":2,"b":3}}]}
	// map[completion_tokens:9 prompt_tokens:31 requests:1 retries:0]
}
