package protocol

import (
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// task/generate answers at most a request line's worth of bytes: a count
// whose tasks would take more fails with a limit error saying how many
// fit, and the session goes on.
func TestGenerateResponseIsBounded(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry(), MaxLineBytes: 64 << 10})
	e := c.fails("task/generate", map[string]any{"id": arithID, "count": 10000, "verify": true})
	if e.Code != -32007 || e.Data == nil || e.Data.Field != "count" || !strings.Contains(e.Message, "take more than the response limit of 65536 bytes") || !strings.Contains(e.Message, "request at most") {
		t.Errorf("10000 tasks under a 64 KiB limit: %d %s %+v", e.Code, e.Message, e.Data)
	}
	var res struct {
		Tasks []map[string]any `json:"tasks"`
	}
	c.ok("task/generate", map[string]any{"id": arithID, "count": 100, "seed": 5}, &res)
	if len(res.Tasks) != 100 || res.Tasks[0]["seed"] != float64(5) {
		t.Errorf("100 tasks: got %d", len(res.Tasks))
	}
}

// env/make refuses an env that does not fit the session's memory budget,
// naming the estimate and the budget; closing envs frees their share.
func TestMemoryBudget(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry(), MemoryBudget: 4 * envBaseBytes})
	var handles []string
	for range 4 {
		handles = append(handles, c.make("gridworld/FrozenLake-v1", nil))
	}
	e := c.fails("env/make", map[string]any{"id": "gridworld/FrozenLake-v1"})
	if e.Code != -32007 || !strings.Contains(e.Message, "estimated to take 256 KiB") || !strings.Contains(e.Message, "memory budget is 1.0 MiB, of which its 4 open envs take 1.0 MiB") {
		t.Errorf("a fifth env over the budget: %d %s", e.Code, e.Message)
	}
	c.ok("env/close", map[string]any{"env": handles[0]}, nil)
	c.make("gridworld/FrozenLake-v1", nil)
	// A failed env/make gives its share back.
	c.ok("env/close", map[string]any{"env": handles[1]}, nil)
	c.fails("env/make", map[string]any{"id": "gridworld/FrozenLake-v1", "options": map[string]any{"map_name": "nope"}})
	c.make("gridworld/FrozenLake-v1", nil)
}

func TestEstimateEnvBytes(t *testing.T) {
	// Five search worlds of 200000 entities took 3.3 GB: the default
	// budget holds three.
	big := EstimateEnvBytes("websim/SearchR1-v0", dojo.Options{"size": 200000})
	if n := DefaultMemoryBudget / big; n < 1 || n > 3 {
		t.Errorf("a 200000-entity search world is estimated at %s: %d fit the default budget", FormatBytes(big), n)
	}
	shop := EstimateEnvBytes("websim/Shop-v0", dojo.Options{"products": 100000})
	if shop < 300<<20 {
		t.Errorf("a 100000-product shop is estimated at %s, want at least 300 MiB", FormatBytes(shop))
	}
	if small := EstimateEnvBytes("gridworld/FrozenLake-v1", dojo.Options{"size": 200000}); small != envBaseBytes {
		t.Errorf("a gridworld: %d", small)
	}
	for in, want := range map[string]int64{"2GiB": 2 << 30, "512 MiB": 512 << 20, "300MB": 300e6, "4096": 4096, "0": 0, "1.5g": 3 << 29} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-1GiB", "GiB"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
		}
	}
}
