package toolcall

import (
	"context"

	"github.com/dojo-rl/dojo"
)

// OracleAction plays the gold: the gold turns in order, then the gold
// final answer in ToolRL's <think>/<response> form.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
	}
	return oracleAction(e.g, e.ep.turns), nil
}

func oracleAction(g *gold, turn int) dojo.Action {
	if turn < len(g.Turns) {
		return dojo.MessageAction("", g.Turns[turn]...)
	}
	return dojo.MessageAction(oracleAnswer(g))
}

func oracleAnswer(g *gold) string {
	return "<think>The tool results give me everything the user asked for.</think>\n<response>" + g.Answer + "</response>"
}
