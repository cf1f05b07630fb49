//go:build ebiten

package main

import (
	// Says there is no display before the window library panics at its
	// initialization.
	_ "github.com/dojo-rl/dojo/internal/display"

	"github.com/dojo-rl/dojo/render/viewer"
)

const built = true

func show(cfg viewer.Config) error { return viewer.Run(cfg) }
