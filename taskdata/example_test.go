package taskdata_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/taskdata"
)

// A task of the bank tool world as a data set row: the same nine columns
// for every env, options, tools, verify and meta as JSON text.
func Example() {
	tk := protocol.NewTasker(envs.Default())
	defer tk.Close()
	task, err := tk.Generate(context.Background(), "toolcall/Bank-v0", nil, 0)
	if err != nil {
		panic(err)
	}
	row, err := taskdata.FromTask(&task, "train", taskdata.ToolsOpenAI)
	if err != nil {
		panic(err)
	}
	fmt.Println(row.ID, row.Split, row.Seed)
	fmt.Println(row.Options)
	fmt.Println(row.Tools[:44])

	var buf bytes.Buffer
	w := taskdata.NewWriter(&buf, taskdata.Parquet)
	w.Write(row)
	w.Close()
	rows, _ := taskdata.ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	back, _ := rows[0].Task()
	fmt.Println(back.ID == task.ID, len(back.Tools) == len(task.Tools), string(back.Verify) == row.Verify)
	// Output:
	// toolcall/Bank-v0/mixed/d2/h1/0 train 0
	// {"distractors":2,"hops":1,"invalid_action":"penalize","kind":"mixed","max_calls_per_turn":32,"max_invalid":1,"max_turns":10}
	// [{"type":"function","function":{"name":"find
	// true true true
}
