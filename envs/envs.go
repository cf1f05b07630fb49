// Package envs wires every dojo environment family into one registry.
package envs

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/bandit"
	"github.com/dojo-rl/dojo/envs/gridworld"
	"github.com/dojo-rl/dojo/envs/sql"
	"github.com/dojo-rl/dojo/envs/toolcall"
	"github.com/dojo-rl/dojo/envs/websim"
)

// Default returns a new registry holding every family's envs. Each call
// builds a fresh registry, so callers may add their own envs to it.
func Default() *dojo.Registry {
	r := new(dojo.Registry)
	for _, register := range []func(*dojo.Registry) error{
		gridworld.Register,
		bandit.Register,
		toolcall.Register,
		sql.Register,
		websim.Register,
	} {
		if err := register(r); err != nil {
			panic("envs: " + err.Error()) // a bug in a family's specs, caught by the tests
		}
	}
	return r
}
