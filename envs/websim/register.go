package websim

import "github.com/dojo-rl/dojo"

// Register adds the websim envs to r: websim/Shop-v0.
func Register(r *dojo.Registry) error {
	return registerShop(r)
}
