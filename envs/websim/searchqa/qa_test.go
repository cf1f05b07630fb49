package searchqa

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/internal/race"
	"github.com/dojo-rl/dojo/reward"
)

// TestQuestions generates questions of every kind and number of hops over
// several worlds and checks each: its hops, its answers, that a bridge's
// answer is written on the page of its last hop (and not in the question),
// that a comparison names the entity with the earlier or larger value, and
// that a count is the length of a list its last page prints.
func TestQuestions(t *testing.T) {
	t.Parallel()
	seeds := 300
	if race.Enabled {
		seeds = 30
	}
	for _, o := range []WorldOptions{{Size: 20, Noise: 0.3, Seed: 1}, {Size: 150, Noise: 0.3, Seed: 2}, {Size: 1500, Noise: 1, Seed: 3}} {
		w := newWorld(t, o)
		for _, kind := range QuestionKinds {
			for hops := 0; hops <= MaxHops; hops++ {
				if hops > 0 && hops < minHops(kind) {
					if _, err := w.Question(kind, hops, 0); err == nil {
						t.Errorf("%s with %d hops: no error", kind, hops)
					}
					continue
				}
				seen := map[string]bool{}
				for s := range uint64(seeds) {
					q, err := w.Question(kind, hops, s)
					if err != nil {
						t.Fatalf("%+v %s/%d seed %d: %v", o, kind, hops, s, err)
					}
					seen[q.Text] = true
					if err := checkQuestion(w, q); err != nil {
						t.Errorf("%+v seed %d: %q (%s, %d hops, answers %q): %v", o, s, q.Text, q.Kind, q.Hops, q.Answers, err)
					}
					if kind != KindMixed && q.Kind != kind || hops > 0 && q.Hops != hops {
						t.Errorf("%+v seed %d: asked %s/%d, got %s/%d", o, s, kind, hops, q.Kind, q.Hops)
					}
				}
				if len(seen) < min(seeds/3, 10) {
					t.Errorf("%+v %s/%d: only %d distinct questions in %d seeds", o, kind, hops, len(seen), seeds)
				}
			}
		}
	}
}

func checkQuestion(w *World, q *Question) error {
	if len(q.Hop) != q.Hops || q.Hops < 1 || q.Hops > MaxHops {
		return fmt.Errorf("%d hops listed", len(q.Hop))
	}
	if !strings.HasSuffix(q.Text, "?") || q.Text[0] < 'A' || q.Text[0] > 'Z' {
		return fmt.Errorf("not a question")
	}
	if len(q.Answers) == 0 || reward.NormalizeAnswer(q.Answers[0]) == "" {
		return fmt.Errorf("no answer")
	}
	for _, h := range q.Hop {
		if !slices.Contains(h.Evidence, h.Page) || w.Pages[h.Page].Entity != h.Entity {
			return fmt.Errorf("hop page %s is not among its evidence %v", w.Pages[h.Page].ID, h.Evidence)
		}
	}
	last := w.Pages[q.Hop[len(q.Hop)-1].Page]
	switch q.Kind {
	case KindBridge:
		if mentions(q.Text, q.Answers) {
			return fmt.Errorf("the question holds its answer")
		}
		if !strings.Contains(last.Text, q.Answers[0]) {
			return fmt.Errorf("the answer is not on the last hop's page %s: %s", last.ID, last.Text)
		}
		if len(q.About) != 1 {
			return fmt.Errorf("about %v", q.About)
		}
	case KindComparison:
		a, b := &w.Entities[q.About[0]], &w.Entities[q.About[1]]
		if q.Answers[0] != a.Name && q.Answers[0] != b.Name {
			return fmt.Errorf("the answer is neither %q nor %q", a.Name, b.Name)
		}
		if a.Kind != b.Kind || a.Year == b.Year && a.Num == b.Num || q.About[0] == q.About[1] {
			return fmt.Errorf("%q and %q do not compare", a.Name, b.Name)
		}
		if w.Pages[q.Hop[len(q.Hop)-1].Page].Entity != q.About[1] {
			return fmt.Errorf("the last hop is not about the second entity")
		}
	case KindAggregation:
		n, err := strconv.Atoi(q.Answers[0])
		if err != nil || n < 1 {
			return fmt.Errorf("answer %q is not a positive count", q.Answers[0])
		}
		if strings.HasPrefix(q.Text, "How many years") {
			a, b := &w.Entities[q.About[0]], &w.Entities[q.About[1]]
			if d := a.Year - b.Year; d != n && d != -n {
				return fmt.Errorf("%q (%d) and %q (%d) are not %d years apart", a.Name, a.Year, b.Name, b.Year, n)
			}
			if !strings.Contains(last.Text, strconv.Itoa(b.Year)) {
				return fmt.Errorf("the year of %q is not on its page", b.Name)
			}
		} else if got := strings.Count(listAfter(last.Text, q.Text), ",") + 1 + strings.Count(listAfter(last.Text, q.Text), " and "); got != n && n > 1 {
			return fmt.Errorf("count %d, but the page lists %d: %s", n, got, last.Text)
		}
	}
	return nil
}

// listAfter returns the list sentence a count question reads on a page.
func listAfter(text, question string) string {
	for _, marker := range []string{"'s works are ", "has published are ", "based in ", "The cities of "} {
		if i := strings.Index(text, marker); i >= 0 {
			rest := text[i+len(marker):]
			if marker == "based in " || marker == "The cities of " {
				if j := strings.Index(rest, " are "); j >= 0 {
					rest = rest[j+5:]
				}
			}
			if j := strings.Index(rest, ". "); j >= 0 {
				rest = rest[:j]
			}
			return rest
		}
	}
	return ""
}

func TestQuestionErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, WorldOptions{Size: 50, Noise: 0.3})
	for _, c := range []struct {
		kind string
		hops int
	}{{"chain", 1}, {KindBridge, 5}, {KindBridge, -1}, {KindComparison, 1}} {
		if _, err := w.Question(c.kind, c.hops, 0); err == nil {
			t.Errorf("Question(%q, %d) succeeded", c.kind, c.hops)
		}
	}
}
