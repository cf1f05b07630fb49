package bandit

import (
	"context"

	"github.com/dojo-rl/dojo"
)

// OracleAction pulls the best arm of the current step.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
	}
	return dojo.IndexAction(e.best), nil
}
