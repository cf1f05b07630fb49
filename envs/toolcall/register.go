package toolcall

import (
	"github.com/dojo-rl/dojo"
)

// Register adds the toolcall envs to r: toolcall/Bank-v0, Calendar-v0,
// Shop-v0, Travel-v0, Files-v0, Contacts-v0, Utility-v0 and Mixed-v0.
func Register(r *dojo.Registry) error {
	allTools() // compile the schemas once, up front
	vs := make([]variant, 0, len(domains)+1)
	for _, d := range domains {
		vs = append(vs, variant{d})
	}
	vs = append(vs, variant{nil})
	for _, v := range vs {
		if err := r.Register(v.spec(10), func(o dojo.Options) (dojo.Env, error) { return newEnv(v, o) }); err != nil {
			return err
		}
	}
	return nil
}
