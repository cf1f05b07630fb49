//go:build !ebiten

package main

import (
	"errors"

	"github.com/dojo-rl/dojo/render/viewer"
)

const built = false

func show(viewer.Config) error { return errors.New(buildHelp) }
