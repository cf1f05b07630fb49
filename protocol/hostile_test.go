package protocol

import (
	"strings"
	"testing"
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
