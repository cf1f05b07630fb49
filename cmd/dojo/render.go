package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dojo-rl/dojo/internal/atomicfile"
	"github.com/dojo-rl/dojo/render"
	"github.com/dojo-rl/dojo/runner"
)

// record is an episode of a file with where it was read.
type record struct {
	ep   runner.Episode
	line int
}

// readRecords reads the episode file at path.
func readRecords(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []record
	err = runner.ScanEpisodes(f, func(line int, ep *runner.Episode) error {
		out = append(out, record{*ep, line})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no episode records (write one with dojo run ID --out %s)", path, path)
	}
	return out, nil
}

// pickEpisode returns the record of episode index k, or the first record
// when k is negative.
func pickEpisode(path string, recs []record, k int) (*record, error) {
	if k < 0 {
		return &recs[0], nil
	}
	lo, hi := recs[0].ep.Episode, recs[0].ep.Episode
	for i := range recs {
		if recs[i].ep.Episode == k {
			return &recs[i], nil
		}
		lo, hi = min(lo, recs[i].ep.Episode), max(hi, recs[i].ep.Episode)
	}
	return nil, usagef("--episode %d: %s has no such episode (it holds %d records, episodes %d to %d)", k, path, len(recs), lo, hi)
}

// replayOf prepares a record for drawing; its error names the file, line
// and episode.
func replayOf(path string, rec *record) (*render.Replay, error) {
	r, err := render.NewReplay(&rec.ep)
	if err != nil {
		return nil, fmt.Errorf("%s line %d (episode %d): %v", path, rec.line, rec.ep.Episode, err)
	}
	return r, nil
}

func cmdRender(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "render", "RUN.jsonl [--episode K] --out FILE.gif|FILE.png|FRAME-%03d.png [--step N] [--from A] [--to B] [--fps F]")
	episode := fs.Int("episode", -1, "the episode `index` to draw (default: the file's first record)")
	out := fs.String("out", "", "output `file`: .gif for an animation of the episode; .png for one frame (--step); a name with a printf verb such as frame-%03d.png for one PNG per frame, numbered by step")
	step := fs.Int("step", -1, "for a single .png: the frame to draw, 0 for the reset, k for the state after step k, negative counting from the end (-1: the last)")
	from := fs.Int("from", 0, "first frame of a .gif or of numbered PNGs (0: the reset)")
	to := fs.Int("to", -1, "last frame of a .gif or of numbered PNGs (-1: the last)")
	fps := fs.Float64("fps", 4, "frames per second of a .gif (at most 50; the last frame is held 2 s more)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one episode file (dojo render RUN.jsonl --out FILE.gif), got %d arguments", len(pos))
	}
	path := pos[0]
	if *out == "" {
		return usagef("--out is required: FILE.gif, FILE.png or a numbered pattern such as frame-%%03d.png")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	pattern := strings.Contains(*out, "%")
	if err := checkRenderFlags(fs, ext == ".gif", pattern); err != nil {
		return err
	}
	if ext != ".gif" && ext != ".png" {
		return usagef("--out %s: want a .gif or .png file", *out)
	}
	if pattern && ext != ".png" {
		return usagef("--out %s: a numbered pattern is for PNG frames (frame-%%03d.png)", *out)
	}
	if s := fmt.Sprintf(*out, 1); pattern && (strings.Contains(s, "%!") || s == fmt.Sprintf(*out, 2)) {
		return usagef("--out %s: the pattern must number the frames with one integer verb, such as %%03d", *out)
	}
	recs, err := readRecords(path)
	if err != nil {
		return err
	}
	rec, err := pickEpisode(path, recs, *episode)
	if err != nil {
		return err
	}
	r, err := replayOf(path, rec)
	if err != nil {
		return err
	}
	last := r.Len() - 1
	lo, hi := *from, *to
	if hi < 0 {
		hi = last
	}
	if lo < 0 || hi < lo || hi > last {
		return usagef("--from %d --to %d: episode %d of %s has frames 0 (the reset) to %d", *from, *to, rec.ep.Episode, path, last)
	}
	size := r.Bounds().Size()
	switch {
	case ext == ".gif":
		var buf bytes.Buffer
		if err := render.WriteGIF(&buf, r, render.GIFOptions{From: lo, To: hi, FPS: *fps}); err != nil {
			return usagef("%v", err)
		}
		if err := atomicfile.WriteFile(*out, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "wrote %s: %d frames of %dx%d, episode %d of %s (%s, seed %d)\n", *out, hi-lo+1, size.X, size.Y, rec.ep.Episode, path, rec.ep.Env, rec.ep.Seed)
	case pattern:
		for k := lo; k <= hi; k++ {
			name := fmt.Sprintf(*out, k)
			if err := writePNG(name, r, k); err != nil {
				return err
			}
		}
		fmt.Fprintf(a.stdout, "wrote %d frames of %dx%d as %s to %s, episode %d of %s (%s, seed %d)\n", hi-lo+1, size.X, size.Y, fmt.Sprintf(*out, lo), fmt.Sprintf(*out, hi), rec.ep.Episode, path, rec.ep.Env, rec.ep.Seed)
	default:
		k := *step
		if k < 0 {
			k += last + 1
		}
		if k < 0 || k > last {
			return usagef("--step %d: episode %d of %s has frames 0 (the reset) to %d", *step, rec.ep.Episode, path, last)
		}
		if err := writePNG(*out, r, k); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "wrote %s: frame %d of %d (%dx%d), episode %d of %s (%s, seed %d)\n", *out, k, last, size.X, size.Y, rec.ep.Episode, path, rec.ep.Env, rec.ep.Seed)
	}
	return nil
}

func writePNG(name string, r *render.Replay, k int) error {
	var buf bytes.Buffer
	if err := render.WritePNG(&buf, r.Frame(k)); err != nil {
		return err
	}
	return atomicfile.WriteFile(name, buf.Bytes())
}
