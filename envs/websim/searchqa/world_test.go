package searchqa

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/reward"
)

var update = flag.Bool("update", false, "rewrite golden files")

func newWorld(t testing.TB, o WorldOptions) *World {
	t.Helper()
	w, err := NewWorld(o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// dumpWorld writes a world's entities, pages and questions as text.
func dumpWorld(w *World, questions int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "world size=%d noise=%v seed=%d: %d entities, %d pages, hash %s\n\n", w.Options.Size, w.Options.Noise, w.Options.Seed, len(w.Entities), len(w.Pages), w.Hash())
	for _, p := range w.Pages {
		var links []string
		for _, l := range p.Links {
			links = append(links, w.Pages[l].ID)
		}
		fmt.Fprintf(&b, "[%s] %s (%s)\n%s\nlinks: %s\n\n", p.ID, p.Title, p.Kind, p.Text, strings.Join(links, " "))
	}
	for s := range uint64(questions) {
		q, err := w.Question(KindMixed, 0, s)
		if err != nil {
			fmt.Fprintf(&b, "question %d: %v\n", s, err)
			continue
		}
		fmt.Fprintf(&b, "Q%d %s/%d: %s\n  answers: %q\n", s, q.Kind, q.Hops, q.Text, q.Answers)
		for _, h := range q.Hop {
			var ev []string
			for _, p := range h.Evidence {
				ev = append(ev, w.Pages[p].ID)
			}
			fmt.Fprintf(&b, "  hop: %s (evidence: %s)\n", w.Pages[h.Page].ID, strings.Join(ev, " "))
		}
	}
	return b.Bytes()
}

// TestGoldenWorlds pins generated worlds and their questions byte for
// byte: a change shows here and must bump the envs' versions.
func TestGoldenWorlds(t *testing.T) {
	t.Parallel()
	for _, o := range []WorldOptions{{Size: 40, Noise: 0.5, Seed: 3}, {Size: 120, Noise: 0, Seed: 11}} {
		w := newWorld(t, o)
		path := filepath.Join("testdata", fmt.Sprintf("world-%d-%g-%d.txt", o.Size, o.Noise, o.Seed))
		dojotest.Golden(t, path, dumpWorld(w, 40), *update)
	}
}

func TestWorldDeterministic(t *testing.T) {
	t.Parallel()
	o := WorldOptions{Size: 300, Noise: 0.4, Seed: 5}
	a, b := newWorld(t, o), newWorld(t, o)
	if !bytes.Equal(dumpWorld(a, 50), dumpWorld(b, 50)) {
		t.Fatal("the same options gave different worlds")
	}
	o.Seed++
	if c := newWorld(t, o); c.Hash() == a.Hash() {
		t.Fatal("another seed gave the same world")
	}
}

func TestWorldOptionsErrors(t *testing.T) {
	t.Parallel()
	for _, o := range []WorldOptions{{Size: 19}, {Size: MaxWorldSize + 1}, {Size: 50, Noise: -0.1}, {Size: 50, Noise: 1.5}} {
		if _, err := NewWorld(o); err == nil {
			t.Errorf("NewWorld(%+v) succeeded", o)
		}
	}
}

var (
	yearRe   = regexp.MustCompile(`\b(1[89]|20)\d\d\b`)
	markerRe = regexp.MustCompile(`false|unverified|wrongly|No source confirms`)
)

// TestWorldInvariants checks what questions rely on, over worlds of several
// sizes and noise levels.
func TestWorldInvariants(t *testing.T) {
	t.Parallel()
	for _, o := range []WorldOptions{{Size: 20, Noise: 1, Seed: 1}, {Size: 150, Noise: 0.3, Seed: 2}, {Size: 150, Noise: 0, Seed: 3}, {Size: 2000, Noise: 1, Seed: 4}} {
		w := newWorld(t, o)
		names := map[string]string{}
		for _, e := range w.Entities {
			for _, n := range append([]string{e.Name}, e.Aliases...) {
				key := reward.NormalizeAnswer(n)
				if prev, dup := names[key]; dup {
					t.Errorf("%+v: %q and %q normalize alike", o, prev, n)
				}
				names[key] = n
			}
			if w.Pages[e.Page].Title != e.Name || w.Pages[e.Page].Kind != "entity" {
				t.Errorf("%+v: entity %q has page %+v", o, e.Name, w.Pages[e.Page])
			}
			for r, obj := range e.Rel {
				applies := relKinds[r][0] == e.Kind
				if applies != (obj >= 0) || applies && w.Entities[obj].Kind != relKinds[r][1] {
					t.Errorf("%+v: %s %q has %s = %d", o, e.Kind, e.Name, Rel(r), obj)
				}
			}
		}
		ids := map[string]bool{}
		kinds := map[string]int{}
		for _, p := range w.Pages {
			kinds[p.Kind]++
			if ids[p.ID] || p.ID != slug(p.Title) && !strings.HasPrefix(p.ID, slug(p.Title)+"-") {
				t.Errorf("%+v: page id %q of %q is repeated or not its title's slug", o, p.ID, p.Title)
			}
			ids[p.ID] = true
			for _, l := range p.Links {
				if l < 0 || int(l) >= len(w.Pages) {
					t.Errorf("%+v: page %s links to %d", o, p.ID, l)
				}
			}
			switch p.Kind {
			case "archive":
				if !yearRe.MatchString(p.Title) {
					t.Errorf("%+v: archive page %q names no year", o, p.Title)
				}
			case "claim":
				if !markerRe.MatchString(p.Text) {
					t.Errorf("%+v: claim page %q is not marked false or unverified: %s", o, p.Title, p.Text)
				}
			}
		}
		for f, pages := range w.facts {
			if !slices.Contains(pages, w.Entities[f.e].Page) {
				t.Errorf("%+v: fact %+v of %q is not stated on its own page", o, f, w.Entities[f.e].Name)
			}
			for _, p := range pages {
				if w.Pages[p].Kind != "entity" {
					t.Errorf("%+v: distractor page %q counts as evidence of %+v", o, w.Pages[p].Title, f)
				}
			}
		}
		distractors := kinds["archive"] + kinds["claim"]
		if o.Noise == 0 && distractors+countNamesakes(w) > 0 {
			t.Errorf("%+v: %d distractor pages without noise", o, distractors)
		}
		if want := int(o.Noise * 2 / 3 * float64(o.Size)); o.Noise > 0 && (distractors < want*9/10 || distractors > want+1) {
			t.Errorf("%+v: %d archive and claim pages, want about %d", o, distractors, want)
		}
	}
}

func countNamesakes(w *World) int {
	n := 0
	for _, e := range w.Entities {
		if e.Namesake >= 0 {
			n++
		}
	}
	return n
}
