package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dojo-rl/dojo/envs"
)

// bearerRT adds a token to every request of an HTTP client.
type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func mcpConnect(t *testing.T, endpoint string, hc *http.Client) (*mcp.ClientSession, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	c := mcp.NewClient(&mcp.Implementation{Name: "dojo-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc}, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

func mcpCall(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (map[string]any, string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	var m map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		json.Unmarshal(b, &m)
	}
	return m, text.String(), res.IsError
}

// TestMCPThroughTheServer: the MCP server mounted at /mcp answers the SDK's
// client with its default handshake behind the token, sent as a path
// prefix or as a Bearer header, and plays an episode; without the token
// the client cannot connect.
func TestMCPThroughTheServer(t *testing.T) {
	t.Parallel()
	const token = "mcp-token"
	ts := start(t, Config{Token: token, Registry: envs.Default()})
	for _, c := range []struct {
		name     string
		endpoint string
		hc       *http.Client
	}{
		{"prefix", ts.base + "/t/" + token + "/mcp", nil},
		{"header", ts.base + "/mcp", &http.Client{Transport: bearerRT{token}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, err := mcpConnect(t, c.endpoint, c.hc)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, tl := range tools.Tools {
				names[tl.Name] = true
			}
			for _, want := range []string{"start_episode", "end_episode", "run_sql", "get_balance"} {
				if !names[want] {
					t.Errorf("tools/list lacks %s", want)
				}
			}
			st, text, isErr := mcpCall(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0", "seed": 3})
			h, _ := st["handle"].(string)
			if isErr || h == "" {
				t.Fatalf("start_episode: %s", text)
			}
			end, text, isErr := mcpCall(t, cs, "end_episode", map[string]any{"handle": h, "answer": "Done."})
			if isErr {
				t.Fatalf("end_episode: %s", text)
			}
			if _, ok := end["reward"].(float64); !ok || end["finished"] != true || end["parts"] == nil {
				t.Errorf("end_episode: %v", end)
			}
		})
	}
	for _, c := range []struct {
		name     string
		endpoint string
		hc       *http.Client
	}{
		{"no token", ts.base + "/mcp", nil},
		{"wrong prefix", ts.base + "/t/nope/mcp", nil},
		{"wrong header", ts.base + "/mcp", &http.Client{Transport: bearerRT{"nope"}}},
	} {
		if _, err := mcpConnect(t, c.endpoint, c.hc); err == nil {
			t.Errorf("%s: the MCP client connected", c.name)
		}
	}
}

// TestEnvsListed: GET /envs, OpenEnv's list of the ids served, passes
// through the server behind the token.
func TestEnvsListed(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{Token: "tok", Registry: envs.Default()})
	resp, err := http.Get(ts.base + "/t/tok/envs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Envs []any `json:"envs"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Envs) < 50 {
		t.Fatalf("GET /envs: %s, %d envs", resp.Status, len(body.Envs))
	}
	if resp, err := http.Get(ts.base + "/envs"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /envs without the token: %v %v", resp, err)
	}
}

// TestDataDirAcrossTransports: the data directory restricts file options
// on the OpenEnv routes and the MCP server as it does on /rpc, since all
// make their envs through the server's registry.
func TestDataDirAcrossTransports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "map.txt")
	if err := os.WriteFile(outside, []byte("SFFF\nFHFH\nFFFH\nHFFG\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := start(t, Config{Registry: envs.Default(), DataDir: dir})

	// OpenEnv: the reset's options carry the path.
	c := dial(t, ts.ws+"/envs/gridworld/FrozenLake-v1/ws", nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	msg, _ := json.Marshal(map[string]any{"type": "reset", "data": map[string]any{"seed": 0, "map_file": outside}})
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"type":"error"`) || !strings.Contains(s, "map_file") || !strings.Contains(s, "data dir") {
		t.Errorf("OpenEnv reset with a map_file outside the data dir: %s", s)
	}

	// MCP: start_episode's options.
	cs, err := mcpConnect(t, ts.base+"/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, text, isErr := mcpCall(t, cs, "start_episode", map[string]any{"env": "websim/Corpus-v0",
		"options": map[string]any{"corpus": outside, "qa": outside}})
	if !isErr || !strings.Contains(text, "data dir") {
		t.Errorf("MCP start_episode with a corpus outside the data dir: error %v, %s", isErr, text)
	}
}
