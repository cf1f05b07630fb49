package main

import (
	"flag"
	"strconv"
)

// checkRenderFlags refuses dojo render's flags that were given with values
// or outputs they do not apply to, rather than ignoring them: an explicit
// negative --episode, --fps outside (0, 50] or for PNGs, --step for a GIF
// or numbered frames, --from and --to for a single PNG.
func checkRenderFlags(fs *flag.FlagSet, gif, pattern bool) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		v := f.Value.String()
		switch f.Name {
		case "episode":
			if n, _ := strconv.Atoi(v); n < 0 {
				err = usagef("--episode %s: want an episode index, 0 or more (leave --episode out for the file's first record)", v)
			}
		case "fps":
			x, _ := strconv.ParseFloat(v, 64)
			switch {
			case !gif:
				err = usagef("--fps is for a .gif, not PNG frames")
			case !(x > 0 && x <= 50):
				err = usagef("--fps %s: want frames per second above 0 and at most 50", v)
			}
		case "step":
			if gif || pattern {
				err = usagef("--step %s: --step picks the frame of a single .png; for a .gif or numbered PNGs choose frames with --from and --to", v)
			}
		case "from", "to":
			if !gif && !pattern {
				err = usagef("--%s %s: --from and --to are for a .gif or numbered PNGs; a single .png draws the frame --step picks", f.Name, v)
			}
		}
	})
	return err
}
