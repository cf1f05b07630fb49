package sql

import (
	"context"
	"encoding/json"

	"github.com/dojo-rl/dojo"
)

// OracleAction submits the gold SQL: a submit_sql call in multi mode, a
// ```sql block in single mode.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
	}
	return oracleAction(e.task.q.SQL, e.single), nil
}

func oracleAction(gold string, single bool) dojo.Action {
	if single {
		return dojo.TextAction("```sql\n" + gold + "\n```")
	}
	args, _ := json.Marshal(map[string]string{"sql": gold})
	return dojo.MessageAction("", dojo.ToolCall{ID: "call_0", Name: "submit_sql", Arguments: args})
}
