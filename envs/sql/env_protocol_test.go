package sql_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/sql"
	"github.com/dojo-rl/dojo/protocol"
)

// TestProtocolGenVerify runs dojo gen's and dojo verify's generic code on
// sql/Generated-v0: five tasks as JSON lines, each verified with its gold
// (success) and, its verify block dropped, with a wrong answer.
func TestProtocolGenVerify(t *testing.T) {
	t.Parallel()
	var r dojo.Registry
	if err := sql.Register(&r); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var buf bytes.Buffer
	if err := protocol.GenerateTasks(ctx, &r, "sql/Generated-v0", nil, 0, 5, &buf); err != nil {
		t.Fatal(err)
	}
	tk := protocol.NewTasker(&r)
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var task dojo.Task
		if err := json.Unmarshal(sc.Bytes(), &task); err != nil {
			t.Fatal(err)
		}
		var vb struct {
			GoldSQL string `json:"gold_sql"`
		}
		if err := json.Unmarshal(task.Verify, &vb); err != nil {
			t.Fatal(err)
		}
		s, err := tk.Verify(ctx, task, dojo.Response{Text: vb.GoldSQL})
		if err != nil || !s.Success {
			t.Fatalf("task %s: gold scored %+v, %v", task.ID, s, err)
		}
		task.Verify = nil
		s, err = tk.Verify(ctx, task, dojo.Response{Text: "SELECT 0"})
		if err != nil || s.Success {
			t.Fatalf("task %s without verify: SELECT 0 scored %+v, %v", task.ID, s, err)
		}
		n++
	}
	if n != 5 {
		t.Fatalf("got %d tasks, want 5", n)
	}
}
